import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import SQLiteNIO
import Synchronization

/// SQLite behind `Database`: one writer connection (SQLite allows one writer at a time; funnelling writes
/// through it avoids busy-waiting) and a few `SQLiteReader`s that WAL lets run beside it. An in-memory
/// database has only the writer (each connection to `:memory:` would be a database of its own).
final class SQLiteStore: DatabaseStore {
    let dialect = Database.Dialect.sqlite
    private let writer: SQLiteConnection
    private let writeLock = AsyncSemaphore(permits: 1)
    private let readers: [SQLiteReader]
    private let readPermits: AsyncSemaphore
    /// Readers not in use, the most recently used last (the next one taken, its snapshot likely current),
    /// each with when it was handed back; and whether the store is closed. A reader in the list is in no
    /// task's hands, so what holds the lock may use it.
    private struct Pool {
        var free: [(index: Int, since: ContinuousClock.Instant)]
        var closed = false
    }
    private let pool: Mutex<Pool>
    /// Ends snapshots that readers have held unused for `idleSnapshot`: an open snapshot keeps a checkpoint
    /// from copying newer pages into the database and the WAL from starting over.
    private let sweeper = Mutex<Task<Void, Never>?>(nil)
    static let idleSnapshot = Duration.milliseconds(200)
    private let logger: Logger
    /// SQLite calls block their thread (a write waiting for another process's lock sleeps in it), so each
    /// store has a thread per connection: one connection waiting never starves another of a thread.
    private let threadPool: NIOThreadPool

    private init(writer: SQLiteConnection, readers: [SQLiteReader], threadPool: NIOThreadPool, logger: Logger) {
        self.writer = writer
        self.threadPool = threadPool
        self.readers = readers
        self.readPermits = AsyncSemaphore(permits: readers.count)
        self.pool = Mutex(Pool(free: readers.indices.map { ($0, ContinuousClock.now) }))
        self.logger = logger
        if !readers.isEmpty {
            let task = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.idleSnapshot)
                    guard let store = self else { return }
                    store.endIdleSnapshots()
                }
            }
            sweeper.withLock { $0 = task }
        }
    }

    /// How many readers not in use hold a snapshot.
    var snapshotsHeld: Int {
        pool.withLock { pool in pool.free.count { readers[$0.index].holdsSnapshot } }
    }

    /// Ends the snapshots of readers unused for `idleSnapshot`. Under the pool's lock, so that no read takes
    /// such a reader meanwhile and `close` never closes one in use here; ending a read snapshot only
    /// releases its locks.
    private func endIdleSnapshots() {
        let limit = ContinuousClock.now - Self.idleSnapshot
        pool.withLock { pool in
            guard !pool.closed else { return }
            for (index, since) in pool.free where since <= limit && readers[index].holdsSnapshot {
                do {
                    try readers[index].endSnapshot()
                } catch {
                    logger.warning("ending an idle read snapshot failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    static func open(path: String, readers readerCount: Int, busyTimeout: Swift.Duration, logger: Logger) async throws -> SQLiteStore {
        let inMemory = path == ":memory:"
        if !inMemory {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
        }
        let storage: SQLiteConnection.Storage = inMemory ? .memory : .file(path: path)
        let threadPool = NIOThreadPool(numberOfThreads: inMemory ? 1 : readerCount + 1)
        threadPool.start()
        let timeout = max(1, busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000)
        func connect() async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(storage: storage, threadPool: threadPool, logger: logger,
                                                             on: MultiThreadedEventLoopGroup.singleton.any())
            do {
                // SQLiteNIO's own busy handler spins without sleeping; SQLite's busy_timeout sleeps between retries.
                _ = try await connection.query("PRAGMA busy_timeout = \(timeout)")
                _ = try await connection.query("PRAGMA foreign_keys = ON")
            } catch {
                try? await connection.close()
                throw error
            }
            return connection
        }
        let writer: SQLiteConnection
        do {
            writer = try await connect()
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
        var readers: [SQLiteReader] = []
        do {
            if !inMemory {
                // WAL persists in the file; switching needs a moment without other writers, so only switch once.
                let mode = try await writer.query("PRAGMA journal_mode").first?.column("journal_mode")?.string
                if mode?.lowercased() != "wal" {
                    _ = try await writer.query("PRAGMA journal_mode = WAL")
                }
                // NORMAL is durable in WAL mode except for the last transactions on power loss, the usual trade.
                _ = try await writer.query("PRAGMA synchronous = NORMAL")
            }
            if !inMemory {
                for _ in 0..<readerCount {
                    readers.append(try await SQLiteReader.open(path: path, busyTimeoutMilliseconds: Int32(clamping: timeout),
                                                               threadPool: threadPool, logger: logger))
                }
            }
        } catch {
            for reader in readers { await reader.close() }
            try? await writer.close()
            try? await threadPool.shutdownGracefully()
            throw error
        }
        return SQLiteStore(writer: writer, readers: readers, threadPool: threadPool, logger: logger)
    }

    private func sql(_ connection: SQLiteConnection) -> any SQLDatabase {
        connection.sql(queryLogLevel: .trace)
    }

    func withReader<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if readers.isEmpty {
            return try await withWriter(body)
        }
        return try await readPermits.withPermit {
            let index = pool.withLock { $0.free.removeLast().index }
            defer { pool.withLock { $0.free.append((index, ContinuousClock.now)) } }
            let reader = readers[index]
            do {
                try reader.beginRead()
                let result = try await body(reader)
                try reader.endRead()
                return result
            } catch {
                // Whatever failed, the next read starts afresh.
                try? reader.endSnapshot()
                throw error
            }
        }
    }

    func withWriter<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writeLock.withPermit { try await body(sql(writer)) }
    }

    func close() async {
        guard pool.withLock({ pool in defer { pool.closed = true }; return !pool.closed }) else { return }
        sweeper.withLock { $0?.cancel() }
        for reader in readers { await reader.close() }
        try? await writer.close()
        try? await threadPool.shutdownGracefully()
    }
}
