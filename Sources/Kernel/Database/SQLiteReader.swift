import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import VaporCSQLite

/// One SQLite connection for reads, run on the calling task's thread with prepared statements kept between
/// queries.
///
/// SQLiteNIO runs every query on a thread pool and compiles it anew each time: two thread hops and a
/// `prepare` per query, most of a short read's cost. A WAL reader never waits for the writer, so short reads
/// run inline here; the few that do meet a lock (`SQLITE_BUSY` while another connection recovers or
/// restarts the WAL) are retried on the store's thread pool, where waiting out the busy timeout blocks no
/// task. It uses the SQLite library SQLiteNIO vendors, never a second copy: two copies in one process would
/// release each other's POSIX file locks.
///
/// A reader serves one task at a time; `SQLiteStore` checks it out for the length of a `Database.read`.
///
/// Each `Database.read` runs in one read snapshot, and a reader keeps that snapshot open after the read for
/// as long as nothing is committed: taking and dropping a snapshot costs two `fcntl` lock calls and
/// SQLite's transaction bookkeeping, often more than a short read itself. Before each read the reader
/// compares the wal-index header (which every commit, from any connection in any process, rewrites) with
/// the one it read before its snapshot began; only when they are equal is the snapshot kept, so a read
/// always sees every commit that finished before it started. The store ends snapshots that sit idle, so
/// that they never hold back checkpoints for long.
final class SQLiteReader: SQLDatabase, @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// Each kept statement's column names, read once rather than for every query, with the statement's
    /// re-prepare count when read (a schema change re-prepares a statement and may rename its columns).
    private var columnNames: [OpaquePointer: (columns: SQLiteReaderRow.Columns, prepares: Int32)] = [:]
    /// Oldest first, for eviction once `statementCapacity` statements are kept.
    private var statementOrder: [String] = []
    private let statementCapacity = 128
    private let busyTimeoutMilliseconds: Int32
    private let threadPool: NIOThreadPool
    /// Whether a snapshot (a `BEGIN` transaction) is open, and the wal-index header read just before it
    /// began: nil when there was none to read (the connection had not opened the WAL yet), and then the
    /// transaction ends with the read.
    private(set) var holdsSnapshot = false
    private var snapshotHeader: WALIndexHeader?
    private let decoder = SQLiteDataDecoder()
    private let encoder = SQLiteDataEncoder()
    let logger: Logger
    let eventLoop: any EventLoop

    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    private init(handle: OpaquePointer, busyTimeoutMilliseconds: Int32, threadPool: NIOThreadPool, logger: Logger) {
        self.handle = handle
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.threadPool = threadPool
        self.logger = logger
        self.eventLoop = MultiThreadedEventLoopGroup.singleton.any()
    }

    /// Opens `path` (which the writer has created and put in WAL mode) for queries only.
    static func open(path: String, busyTimeoutMilliseconds: Int32, threadPool: NIOThreadPool, logger: Logger) async throws -> SQLiteReader {
        try await threadPool.runIfActive {
            var handle: OpaquePointer?
            let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
            let opened = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
            guard opened == SQLITE_OK, let handle else {
                let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
                sqlite_nio_sqlite3_close(handle)
                throw SQLiteReadError(code: opened, message: "cannot open \(path): \(message)")
            }
            // Queries only; a write here would bypass the single writer and its lock.
            let pragma = sqlite_nio_sqlite3_exec(handle, "PRAGMA query_only = ON", nil, nil, nil)
            guard pragma == SQLITE_OK else {
                let message = String(cString: sqlite_nio_sqlite3_errmsg(handle))
                sqlite_nio_sqlite3_close(handle)
                throw SQLiteReadError(code: pragma, message: message)
            }
            return SQLiteReader(handle: handle, busyTimeoutMilliseconds: busyTimeoutMilliseconds, threadPool: threadPool, logger: logger)
        }
    }

    /// Readies the reader for one `Database.read`, whose queries then all see one snapshot: keeps the
    /// snapshot it holds if nothing has been committed since it began, otherwise ends it and begins a new
    /// one (taken by the read's first query).
    func beginRead() throws {
        guard let handle else { throw SQLiteReadError(code: SQLITE_MISUSE, message: "the reader is closed") }
        let header = WALIndexHeader.current(handle)
        if holdsSnapshot {
            // A failed statement may have ended the transaction already.
            if let kept = snapshotHeader, header == kept, sqlite_nio_sqlite3_get_autocommit(handle) == 0 { return }
            try endSnapshot()
        }
        try run("BEGIN", on: handle)
        holdsSnapshot = true
        snapshotHeader = header
    }

    /// After a read that succeeded: keeps the snapshot for the next read when it can be checked then, and
    /// while the WAL is short.
    ///
    /// Snapshots kept back to back starve checkpoints: each holds the WAL frames of the commit before it,
    /// so a checkpoint never copies the whole WAL back and the WAL never starts over. Once the WAL reaches
    /// the size at which SQLite checkpoints (1,000 pages), reads end their snapshots as they finish, as if
    /// none were kept, until a checkpoint has let the WAL start over.
    func endRead() throws {
        guard holdsSnapshot else { return }
        if let kept = snapshotHeader, kept.frames < Self.checkpointFrames { return }
        try endSnapshot()
    }

    /// SQLite's automatic checkpoint threshold (`wal_autocheckpoint`, 1,000 pages by default; the writer keeps it).
    static let checkpointFrames: UInt32 = 1000

    /// Ends the open snapshot, if any (the store calls it for idle readers, and after a failed read).
    func endSnapshot() throws {
        guard holdsSnapshot, let handle else { return }
        holdsSnapshot = false
        snapshotHeader = nil
        guard sqlite_nio_sqlite3_get_autocommit(handle) == 0 else { return }
        try run("COMMIT", on: handle)
    }

    /// Runs a statement without rows (BEGIN, COMMIT), kept prepared like the queries.
    private func run(_ sql: String, on handle: OpaquePointer) throws {
        let statement = try prepared(sql, on: handle)
        defer { sqlite_nio_sqlite3_reset(statement) }
        let result = sqlite_nio_sqlite3_step(statement)
        guard result == SQLITE_DONE else { throw error(result, on: handle) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let (sql, rawBinds) = serialize(query)
        logger.trace("Executing query", metadata: ["sql": .string(sql)])
        let binds = try rawBinds.map(sqliteData)
        guard let handle else { throw SQLiteReadError(code: SQLITE_MISUSE, message: "the reader is closed") }
        let statement = try prepared(sql, on: handle)
        defer {
            // A statement left unreset would hold its read snapshot open and keep the WAL from being checkpointed.
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        try bind(binds, to: statement, on: handle)
        let first = sqlite_nio_sqlite3_step(statement)
        if first == SQLITE_BUSY {
            sqlite_nio_sqlite3_reset(statement)
            let pointers = Pointers(handle: handle, statement: statement)
            try await threadPool.runIfActive {
                sqlite_nio_sqlite3_busy_timeout(pointers.handle, self.busyTimeoutMilliseconds)
                defer { sqlite_nio_sqlite3_busy_timeout(pointers.handle, 0) }
                try self.rows(of: pointers.statement, firstStep: sqlite_nio_sqlite3_step(pointers.statement), on: pointers.handle, onRow)
            }
        } else {
            try rows(of: statement, firstStep: first, on: handle, onRow)
        }
    }

    /// Finalizes the statements and closes the connection; the store calls it once no task holds the reader.
    func close() async {
        try? await threadPool.runIfActive {
            try? self.endSnapshot()
            for statement in self.statements.values { sqlite_nio_sqlite3_finalize(statement) }
            self.statements = [:]
            self.statementOrder = []
            self.columnNames = [:]
            sqlite_nio_sqlite3_close(self.handle)
            self.handle = nil
        }
    }

    /// A bound value as the store's encoder writes it (ids as upper-case text), with the common kinds
    /// converted directly: the encoder formats a UUID through `snprintf`.
    private func sqliteData(_ value: any Encodable) throws -> SQLiteData {
        switch value {
        case let id as UUID: return .text(id.uppercasedString)
        case let text as String: return .text(text)
        case let number as Int: return .integer(number)
        default: return try encoder.encode(value)
        }
    }

    // MARK: Statements

    private func prepared(_ sql: String, on handle: OpaquePointer) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let result = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else { throw error(result, on: handle) }
        if statementOrder.count >= statementCapacity {
            let oldest = statementOrder.removeFirst()
            if let evicted = statements.removeValue(forKey: oldest) {
                columnNames[evicted] = nil
                sqlite_nio_sqlite3_finalize(evicted)
            }
        }
        statements[sql] = statement
        statementOrder.append(sql)
        return statement
    }

    private func bind(_ binds: [SQLiteData], to statement: OpaquePointer, on handle: OpaquePointer) throws {
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32
            switch value {
            case .integer(let integer): result = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(integer))
            case .float(let double): result = sqlite_nio_sqlite3_bind_double(statement, index, double)
            case .null: result = sqlite_nio_sqlite3_bind_null(statement, index)
            case .text(let text):
                result = sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
            case .blob(let buffer):
                result = buffer.withUnsafeReadableBytes { bytes in
                    sqlite_nio_sqlite3_bind_blob64(statement, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(bytes.count), Self.transient)
                }
            }
            guard result == SQLITE_OK else { throw error(result, on: handle) }
        }
    }

    private func rows(of statement: OpaquePointer, firstStep: Int32, on handle: OpaquePointer, _ onRow: @Sendable (any SQLRow) -> ()) throws {
        var step = firstStep
        guard step == SQLITE_ROW else {
            guard step == SQLITE_DONE else { throw error(step, on: handle) }
            return
        }
        let count = sqlite_nio_sqlite3_column_count(statement)
        let prepares = sqlite_nio_sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_REPREPARE, 0)
        let columns: SQLiteReaderRow.Columns
        if let known = columnNames[statement], known.prepares == prepares {
            columns = known.columns
        } else {
            columns = SQLiteReaderRow.Columns(names: (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) })
            columnNames[statement] = (columns, prepares)
        }
        while step == SQLITE_ROW {
            onRow(SQLiteReaderRow(columns: columns, values: try (0..<count).map { try value(of: statement, at: $0) }, decoder: decoder))
            step = sqlite_nio_sqlite3_step(statement)
        }
        guard step == SQLITE_DONE else { throw error(step, on: handle) }
    }

    private func value(of statement: OpaquePointer, at column: Int32) throws -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_NULL: return .null
        case SQLITE_TEXT:
            // Length first, then the pointer: the order SQLite documents for a stable pointer.
            let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
        case SQLITE_BLOB:
            let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: length)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: length))
            }
            return .blob(buffer)
        default:
            throw SQLiteReadError(code: SQLITE_MISMATCH, message: "unexpected column type")
        }
    }

    private func error(_ code: Int32, on handle: OpaquePointer) -> SQLiteReadError {
        SQLiteReadError(code: code, message: String(cString: sqlite_nio_sqlite3_errmsg(handle)))
    }

    /// The connection and statement, lent to a thread-pool thread while this reader's task waits for it.
    private struct Pointers: @unchecked Sendable {
        let handle: OpaquePointer
        let statement: OpaquePointer
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A failed read, with SQLite's result code and message.
struct SQLiteReadError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// A row read by `SQLiteReader`, decoded the way SQLiteKit decodes its own rows.
struct SQLiteReaderRow: SQLRow {
    /// The statement's column names, shared by its rows.
    final class Columns: Sendable {
        let names: [String]
        init(names: [String]) { self.names = names }

        /// The first column of that name, as SQLite reports duplicates.
        func index(of name: String) -> Int? { names.firstIndex(of: name) }
    }

    let columns: Columns
    let values: [SQLiteData]
    let decoder: SQLiteDataDecoder

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.index(of: column) != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.index(of: column) else { return true }
        return values[index] == .null
    }

    func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        guard let index = columns.index(of: column) else { throw MissingSQLiteColumn(column: column) }
        // Ids are the most read values; SQLiteKit's decoder takes them through Codable and Foundation's parser.
        // Text and integers read as themselves skip the Codable machinery too (the decoder would answer the same).
        // Each type is checked before its value is reinterpreted as `D` (which is then that very type): a
        // dynamic cast would cost more than the read.
        switch values[index] {
        case .text(let text):
            if D.self == String.self { return unsafeBitCast(text, to: D.self) }
            if D.self == String?.self { return unsafeBitCast(Optional(text), to: D.self) }
            if D.self == UUID.self || D.self == UUID?.self, let id = UUID(canonical: text) {
                return D.self == UUID.self ? unsafeBitCast(id, to: D.self) : unsafeBitCast(Optional(id), to: D.self)
            }
        case .integer(let number):
            if D.self == Int.self { return unsafeBitCast(Int(number), to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(Optional(Int(number)), to: D.self) }
        default:
            break
        }
        return try decoder.decode(D.self, from: values[index])
    }
}

/// A column asked of a row that has none of that name.
struct MissingSQLiteColumn: Error, CustomStringConvertible {
    let column: String
    var description: String { "no column named \(column) in the row" }
}
