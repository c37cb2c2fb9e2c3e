import Foundation
import Kernel
import SQLKit

extension Kernel {
    /// Rows of a single-column query, for assertions.
    func strings(_ query: SQLQueryString, column: String) async throws -> [String] {
        try await database.read { sql in try await sql.raw(query).all().map { try $0.decode(column: column, as: String.self) } }
    }

    /// The current alerts as the API lists them.
    func alertsJSON() async -> [JSONValue] { await alerts().map(\.json) }

    func count(_ query: SQLQueryString) async throws -> Int {
        try await database.read { sql in try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0 }
    }
}
