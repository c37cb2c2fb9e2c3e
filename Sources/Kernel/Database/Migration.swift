import Crypto
import Foundation

/// One schema change, identified by an id that never changes once released and checked by a checksum
/// of its SQL, so an applied migration that was edited afterwards is refused instead of silently skipped.
///
/// Write portable SQL where you can (PostgreSQL types such as `UUID`, `TIMESTAMPTZ`, `BOOLEAN` keep their
/// meaning under SQLite's type affinity); give per-dialect text where they differ.
public struct Migration: Sendable {
    public let id: String
    public let sqlite: String
    public let postgres: String

    /// The same SQL for both databases.
    public init(_ id: String, sql: String) {
        self.init(id, sqlite: sql, postgres: sql)
    }

    public init(_ id: String, sqlite: String, postgres: String) {
        self.id = id
        self.sqlite = sqlite
        self.postgres = postgres
    }

    public func sql(for dialect: Database.Dialect) -> String {
        dialect == .sqlite ? sqlite : postgres
    }

    /// SHA-256 of the dialect's SQL, hex.
    public func checksum(for dialect: Database.Dialect) -> String {
        SHA256.hash(data: Data(sql(for: dialect).utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The migrations of one owner (the Kernel or a plugin), in the order they apply.
public struct MigrationSet: Sendable {
    public let owner: String
    public let migrations: [Migration]

    public init(owner: String, migrations: [Migration]) {
        self.owner = owner
        self.migrations = migrations
    }
}
