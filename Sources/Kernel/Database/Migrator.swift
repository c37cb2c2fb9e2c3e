import Foundation
import Logging
import SQLKit

/// Applies migrations in order, each in its own transaction, recording them in the `lintel_migrations`
/// ledger. Several processes may migrate at once: PostgreSQL serializes them with an advisory lock, SQLite
/// with its write lock; each re-reads the ledger once it holds the lock.
public struct Migrator: Sendable {
    /// Where one migration stands.
    public struct Status: Sendable, Equatable {
        public enum State: Sendable, Equatable {
            case applied(at: Date)
            case pending
            /// Applied, but its SQL changed since: refused.
            case changed(appliedAt: Date)
            /// In the ledger, but no enabled owner declares it (a disabled plugin, or an older build).
            case unknown(appliedAt: Date)
        }
        public var owner: String
        public var id: String
        public var state: State
    }

    public enum Failure: Error, CustomStringConvertible {
        case checksumMismatch([Status])
        case failed(owner: String, id: String, statement: String, error: String)

        public var description: String {
            switch self {
            case .checksumMismatch(let changed):
                let list = changed.map { "  \($0.owner)/\($0.id)" }.joined(separator: "\n")
                return "applied migrations were changed after they ran (their checksums differ):\n\(list)\n"
                    + "Nothing was applied. Restore the released SQL and add a new migration for the change."
            case .failed(let owner, let id, let statement, let error):
                return "migration \(owner)/\(id) failed and was rolled back: \(error)\n  in: \(statement.prefix(300))"
            }
        }
    }

    /// `lintel_migrations`: one row per applied migration.
    static let ledgerTable = "lintel_migrations"
    /// Arbitrary constant naming the advisory lock that serializes migrations on PostgreSQL.
    static let advisoryLockKey: Int64 = 0x4C_49_4E_54_45_4C

    public let database: Database
    public let sets: [MigrationSet]
    public let logger: Logger

    public init(database: Database, sets: [MigrationSet], logger: Logger) {
        self.database = database
        self.sets = sets
        self.logger = logger
    }

    /// Every declared migration and every unknown ledger entry, in apply order.
    public func status() async throws -> [Status] {
        let ledger = try await database.store.withWriter { sql in
            try await Self.createLedger(sql)
            return try await Self.readLedger(sql)
        }
        return statuses(ledger: ledger)
    }

    /// Applies what is pending; returns what was applied. Refuses to apply anything if an applied migration changed.
    @discardableResult
    public func migrate() async throws -> [Status] {
        let dialect = database.dialect
        let sets = self.sets
        let logger = self.logger
        return try await database.store.withWriter { sql in
            if dialect == .postgres {
                try await sql.raw("SELECT pg_advisory_lock(\(bind: Self.advisoryLockKey))").run()
            }
            do {
                try await Self.createLedger(sql)
                let before = Self.statuses(sets: sets, dialect: dialect, ledger: try await Self.readLedger(sql))
                let changed = before.filter { if case .changed = $0.state { true } else { false } }
                guard changed.isEmpty else { throw Failure.checksumMismatch(changed) }
                var applied: [Status] = []
                for set in sets {
                    for migration in set.migrations {
                        if try await Self.apply(migration, owner: set.owner, dialect: dialect, sql: sql, logger: logger) {
                            applied.append(Status(owner: set.owner, id: migration.id, state: .applied(at: Date())))
                        }
                    }
                }
                if dialect == .postgres { try await sql.raw("SELECT pg_advisory_unlock(\(bind: Self.advisoryLockKey))").run() }
                return applied
            } catch {
                if dialect == .postgres { try? await sql.raw("SELECT pg_advisory_unlock(\(bind: Self.advisoryLockKey))").run() }
                throw error
            }
        }
    }

    /// Applies one migration in its own transaction unless the ledger (read inside it) already has it.
    private static func apply(_ migration: Migration, owner: String, dialect: Database.Dialect, sql: any SQLDatabase, logger: Logger) async throws -> Bool {
        try await sql.raw(SQLQueryString(dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN")).run()
        do {
            let present = try await sql.select().column("id").from(ledgerTable)
                .where("owner", .equal, owner).where("id", .equal, migration.id).first()
            if present != nil {
                try await sql.raw("COMMIT").run()
                return false
            }
            let started = Date()
            for statement in SQLStatementSplitter.split(migration.sql(for: dialect)) {
                do {
                    try await sql.raw(SQLQueryString(statement)).run()
                } catch {
                    throw Failure.failed(owner: owner, id: migration.id, statement: statement, error: String(reflecting: error))
                }
            }
            try await sql.insert(into: ledgerTable)
                .columns("owner", "id", "checksum", "applied_at", "duration_ms")
                .values(SQLBind(owner), SQLBind(migration.id), SQLBind(migration.checksum(for: dialect)), SQLBind(Date()),
                        SQLBind(Int(Date().timeIntervalSince(started) * 1000)))
                .run()
            try await sql.raw("COMMIT").run()
            logger.info("applied migration", metadata: ["owner": "\(owner)", "migration": "\(migration.id)"])
            return true
        } catch {
            try? await sql.raw("ROLLBACK").run()
            throw error
        }
    }

    struct LedgerRow: Sendable {
        var owner: String
        var id: String
        var checksum: String
        var appliedAt: Date
    }

    static func createLedger(_ sql: any SQLDatabase) async throws {
        try await sql.raw("""
            CREATE TABLE IF NOT EXISTS lintel_migrations (
                owner TEXT NOT NULL,
                id TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL,
                duration_ms BIGINT NOT NULL,
                PRIMARY KEY (owner, id)
            )
            """).run()
    }

    static func readLedger(_ sql: any SQLDatabase) async throws -> [LedgerRow] {
        try await sql.select().columns("owner", "id", "checksum", "applied_at").from(ledgerTable)
            .orderBy("applied_at").all().map { row in
                LedgerRow(owner: try row.decode(column: "owner", as: String.self), id: try row.decode(column: "id", as: String.self),
                          checksum: try row.decode(column: "checksum", as: String.self), appliedAt: try row.decode(column: "applied_at", as: Date.self))
            }
    }

    private func statuses(ledger: [LedgerRow]) -> [Status] {
        Self.statuses(sets: sets, dialect: database.dialect, ledger: ledger)
    }

    static func statuses(sets: [MigrationSet], dialect: Database.Dialect, ledger: [LedgerRow]) -> [Status] {
        var byKey: [String: LedgerRow] = [:]
        for row in ledger { byKey["\(row.owner)/\(row.id)"] = row }
        var result: [Status] = []
        var declared = Set<String>()
        for set in sets {
            for migration in set.migrations {
                let key = "\(set.owner)/\(migration.id)"
                declared.insert(key)
                let state: Status.State
                if let row = byKey[key] {
                    state = row.checksum == migration.checksum(for: dialect) ? .applied(at: row.appliedAt) : .changed(appliedAt: row.appliedAt)
                } else {
                    state = .pending
                }
                result.append(Status(owner: set.owner, id: migration.id, state: state))
            }
        }
        for row in ledger where !declared.contains("\(row.owner)/\(row.id)") {
            result.append(Status(owner: row.owner, id: row.id, state: .unknown(appliedAt: row.appliedAt)))
        }
        return result
    }
}
