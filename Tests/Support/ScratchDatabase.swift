import Foundation
import Kernel
import Logging

/// Which database the suite runs on: PostgreSQL when `LINTEL_TEST_POSTGRES_URL` is set (the second half of
/// `make test`), SQLite otherwise.
enum TestDatabase {
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["LINTEL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }
    static var dialect: Database.Dialect { postgresURL == nil ? .sqlite : .postgres }
}

/// A fresh, empty database for one test: a new SQLite file, or a new database on the test PostgreSQL server.
final class ScratchDatabase: @unchecked Sendable {
    /// The URL to put in `site.conf`.
    let url: String
    private let directory: TemporaryDirectory
    private let dropName: String?

    private init(url: String, directory: TemporaryDirectory, dropName: String?) {
        self.url = url
        self.directory = directory
        self.dropName = dropName
    }

    static func make() async throws -> ScratchDatabase {
        let directory = TemporaryDirectory()
        guard let server = TestDatabase.postgresURL else {
            return ScratchDatabase(url: "sqlite://\(directory.path)/lintel.sqlite3", directory: directory, dropName: nil)
        }
        let name = "lt_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        try await admin(server) { sql in try await sql.raw("CREATE DATABASE \(unsafeRaw: String(name))").run() }
        let base = server.hasSuffix("/postgres") ? String(server.dropLast("postgres".count)) : server + "/"
        return ScratchDatabase(url: base + name, directory: directory, dropName: String(name))
    }

    /// Drops the PostgreSQL database (SQLite files go with the directory).
    func drop() async {
        guard let dropName, let server = TestDatabase.postgresURL else { return }
        try? await Self.admin(server) { sql in try await sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: dropName) WITH (FORCE)").run() }
    }

    private static func admin(_ server: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
        guard case .success(let url) = DatabaseURL.parse(configText: server) else { throw ScratchError.badURL(server) }
        let database = try await Database.open(DatabaseSettings(url: url, poolSize: 1), logger: Logger(label: "test-admin"))
        do {
            try await database.read(body)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    enum ScratchError: Error { case badURL(String) }
}

import SQLKit
