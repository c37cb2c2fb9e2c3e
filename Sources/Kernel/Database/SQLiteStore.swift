import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import SQLiteNIO
import Synchronization

/// SQLite behind `Database`: one writer connection (SQLite allows one writer at a time; funnelling writes
/// through it avoids busy-waiting) and a few reader connections that WAL lets run beside it.
final class SQLiteStore: DatabaseStore {
    let dialect = Database.Dialect.sqlite
    private let writer: SQLiteConnection
    private let writeLock = AsyncSemaphore(permits: 1)
    private let readers: [SQLiteConnection]
    private let readPermits: AsyncSemaphore
    private let freeReaders: Mutex<[Int]>
    private let logger: Logger

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], logger: Logger) {
        self.writer = writer
        self.readers = readers
        self.readPermits = AsyncSemaphore(permits: readers.count)
        self.freeReaders = Mutex(Array(readers.indices))
        self.logger = logger
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
        let timeout = max(1, busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000)
        func connect(readOnly: Bool) async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(storage: storage, threadPool: .singleton, logger: logger,
                                                             on: MultiThreadedEventLoopGroup.singleton.any())
            // SQLiteNIO's own busy handler spins without sleeping; SQLite's busy_timeout sleeps between retries.
            _ = try await connection.query("PRAGMA busy_timeout = \(timeout)")
            _ = try await connection.query("PRAGMA foreign_keys = ON")
            if readOnly { _ = try await connection.query("PRAGMA query_only = ON") }
            return connection
        }
        let writer = try await connect(readOnly: false)
        if !inMemory {
            _ = try await writer.query("PRAGMA journal_mode = WAL")
            // NORMAL is durable in WAL mode except for the last transactions on power loss, the usual trade.
            _ = try await writer.query("PRAGMA synchronous = NORMAL")
        }
        var readers: [SQLiteConnection] = []
        if inMemory {
            readers = [writer]
        } else {
            for _ in 0..<readerCount { readers.append(try await connect(readOnly: true)) }
        }
        return SQLiteStore(writer: writer, readers: readers, logger: logger)
    }

    private func sql(_ connection: SQLiteConnection) -> any SQLDatabase {
        connection.sql(queryLogLevel: .trace)
    }

    func withReader<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if readers.count == 1, readers[0] === writer {
            return try await withWriter(body)
        }
        return try await readPermits.withPermit {
            let index = freeReaders.withLock { $0.removeLast() }
            defer { freeReaders.withLock { $0.append(index) } }
            return try await body(sql(readers[index]))
        }
    }

    func withWriter<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writeLock.withPermit { try await body(sql(writer)) }
    }

    private let closed = Mutex(false)

    func close() async {
        guard closed.withLock({ wasClosed in defer { wasClosed = true }; return !wasClosed }) else { return }
        for connection in readers where connection !== writer {
            try? await connection.close()
        }
        try? await writer.close()
    }
}
