import Logging
import Metrics
import SQLKit
import Synchronization

/// The Kernel's one database API: SQLKit over SQLite (embedded, WAL) or PostgreSQL (pooled).
///
/// Reads go through `read`, every write through `transaction`, which commits when its body returns and
/// rolls back when it throws. A `transaction` inside another one becomes a savepoint of the outer one.
public final class Database: Sendable {
    /// Which engine is behind the API, for the few queries that differ.
    public enum Dialect: String, Sendable {
        case sqlite, postgres
    }

    public let dialect: Dialect
    let store: any DatabaseStore
    public let logger: Logger
    /// Most connections this process holds.
    public let poolSize: Int

    init(store: any DatabaseStore, logger: Logger, poolSize: Int) {
        self.store = store
        self.dialect = store.dialect
        self.logger = logger
        self.poolSize = poolSize
    }

    /// Opens the database named by the settings. SQLite files (and their folder) are created when missing.
    public static func open(_ settings: DatabaseSettings, logger: Logger) async throws -> Database {
        switch settings.url {
        case .sqlite(let path):
            return Database(store: try await SQLiteStore.open(path: path, readers: max(1, min(settings.poolSize, 8)),
                                                              busyTimeout: settings.busyTimeout, logger: logger), logger: logger,
                            poolSize: max(1, min(settings.poolSize, 8)) + 1)
        case .postgres(let location):
            return Database(store: PostgresStore(location: location, settings: settings, logger: logger), logger: logger, poolSize: settings.poolSize)
        }
    }

    /// Connections in use (or being waited for) by this process: the pool's load.
    private let inUse = Meter(label: "lintel_database_connections_in_use")

    /// Runs `body` with a connection for reading.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let current = Self.currentTransaction, current.store == ObjectIdentifier(store) {
            return try await body(current.sql)
        }
        inUse.increment()
        defer { inUse.decrement() }
        return try await store.withReader(body)
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let current = Self.currentTransaction, current.store == ObjectIdentifier(store) {
            return try await savepoint(in: current, body)
        }
        inUse.increment()
        defer { inUse.decrement() }
        return try await store.withWriter { sql in
            try await sql.raw(SQLQueryString(self.dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN")).run()
            let handle = TransactionHandle(store: ObjectIdentifier(self.store), sql: sql, dialect: self.dialect)
            do {
                let result = try await Self.$currentTransaction.withValue(handle) { try await body(sql) }
                try await sql.raw("COMMIT").run()
                handle.hooks.runAll()
                return result
            } catch {
                do { try await sql.raw("ROLLBACK").run() } catch {
                    self.logger.error("rollback failed", metadata: ["error": "\(error)"])
                }
                throw error
            }
        }
    }

    /// Checks the database answers (`SELECT 1`).
    public func ping() async throws {
        try await read { sql in try await sql.raw("SELECT 1").run() }
    }

    /// Closes every connection; later calls do nothing.
    public func close() async {
        await store.close()
    }

    // MARK: Transactions

    struct TransactionHandle: Sendable {
        let store: ObjectIdentifier
        let sql: any SQLDatabase
        let dialect: Dialect
        let hooks = CommitHooks()
    }

    /// Actions to run once the outermost transaction has committed (dropped on rollback).
    final class CommitHooks: Sendable {
        private let actions = Mutex<[@Sendable () -> Void]>([])
        func add(_ action: @escaping @Sendable () -> Void) { actions.withLock { $0.append(action) } }
        func runAll() { for action in actions.withLock({ $0 }) { action() } }
    }

    /// Runs `action` after the current transaction commits (never if it rolls back); at once outside one.
    /// Used to wake workers and dispatchers without waiting for their next poll.
    public static func afterCommit(_ action: @escaping @Sendable () -> Void) {
        if let current = currentTransaction { current.hooks.add(action) } else { action() }
    }

    /// Whether the calling task is inside `transaction`, and on which dialect.
    public static var transactionDialect: Dialect? { currentTransaction?.dialect }

    @TaskLocal static var currentTransaction: TransactionHandle?

    private func savepoint<T: Sendable>(in current: TransactionHandle, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let name = "sp_\(UInt32.random(in: 0...UInt32.max))"
        try await current.sql.raw(SQLQueryString("SAVEPOINT \(unsafeRaw: name)")).run()
        do {
            let result = try await body(current.sql)
            try await current.sql.raw(SQLQueryString("RELEASE SAVEPOINT \(unsafeRaw: name)")).run()
            return result
        } catch {
            try? await current.sql.raw(SQLQueryString("ROLLBACK TO SAVEPOINT \(unsafeRaw: name)")).run()
            throw error
        }
    }
}

/// What each engine provides to `Database`.
protocol DatabaseStore: AnyObject, Sendable {
    var dialect: Database.Dialect { get }
    func withReader<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func withWriter<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func close() async
}
