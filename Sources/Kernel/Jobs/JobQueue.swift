import Foundation
import Logging
import SQLKit
import Synchronization

/// The durable job queue: enqueue (inside a transaction or on its own), and the admin operations on
/// dead letters. Workers (`JobWorker`) claim and run what is enqueued here.
public final class JobQueue: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case unknownKind(String, known: [String])
        case duplicateKind(String)

        public var description: String {
            switch self {
            case .unknownKind(let kind, let known):
                return "no enabled plugin runs jobs of kind '\(kind)' (known kinds: \(known.sorted().joined(separator: ", ")))"
            case .duplicateKind(let kind):
                return "two providers declare the job kind '\(kind)'"
            }
        }
    }

    let database: Database
    let settings: JobsSettings
    private let registry = Mutex<[String: JobDefinition]>([:])
    /// Woken after a transaction that enqueued commits.
    let enqueued = WakeSignal()

    init(database: Database, settings: JobsSettings) {
        self.database = database
        self.settings = settings
    }

    /// Adds job kinds (the Kernel's, then each plugin's once provisioned).
    func register(_ definitions: [JobDefinition]) throws {
        try registry.withLock { registry in
            for definition in definitions {
                guard registry[definition.kind] == nil else { throw Failure.duplicateKind(definition.kind) }
                registry[definition.kind] = definition
            }
        }
    }

    var definitions: [String: JobDefinition] { registry.withLock { $0 } }

    /// Registered job kinds.
    public var kinds: [JobDefinition] { definitions.values.sorted { $0.kind < $1.kind } }

    /// Enqueues a job; returns its id, or `nil` when a queued or running job already has `dedupKey`.
    /// Pass the transaction's `sql` to enqueue atomically with other writes (nothing runs if it rolls back).
    @discardableResult
    public func enqueue(_ kind: String, payload: JSONValue = [:], queue: String? = nil, runAt: Date? = nil, priority: Int = 0,
                        maxAttempts: Int? = nil, dedupKey: String? = nil, in sql: (any SQLDatabase)? = nil) async throws -> UUID? {
        guard let definition = definitions[kind] else { throw Failure.unknownKind(kind, known: Array(definitions.keys)) }
        let id = UUID.v7()
        let now = Date()
        let attempts = maxAttempts ?? definition.maxAttempts ?? settings.maxAttempts
        let insert: @Sendable (any SQLDatabase) async throws -> UUID? = { sql in
            try await sql.raw("""
                INSERT INTO lintel_jobs (id, kind, queue, payload, state, priority, run_at, attempts, max_attempts, dedup_key, history, created_at)
                VALUES (\(bind: id), \(bind: kind), \(bind: queue ?? definition.queue), \(bind: payload.jsonString()), 'queued', \(bind: priority),
                        \(bind: runAt ?? now), 0, \(bind: attempts), \(bind: dedupKey), '[]', \(bind: now))
                ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING
                RETURNING id
                """).first()?.decode(column: "id", as: UUID.self)
        }
        let inserted: UUID?
        if let sql { inserted = try await insert(sql) } else { inserted = try await database.transaction(insert) }
        let signal = enqueued
        Database.afterCommit { signal.signal() }
        return inserted
    }

    /// Enqueues a job whose payload is an `Encodable` value.
    @discardableResult
    public func enqueue<Payload: Encodable>(_ kind: String, payload: Payload, queue: String? = nil, runAt: Date? = nil, priority: Int = 0,
                                            maxAttempts: Int? = nil, dedupKey: String? = nil, in sql: (any SQLDatabase)? = nil) async throws -> UUID? {
        let json = try JSONCoding.decoder.decode(JSONValue.self, from: JSONCoding.encoder.encode(payload))
        return try await enqueue(kind, payload: json, queue: queue, runAt: runAt, priority: priority, maxAttempts: maxAttempts, dedupKey: dedupKey, in: sql)
    }

    // MARK: Reading and admin operations

    static let columns = "id, kind, queue, state, payload, priority, run_at, attempts, max_attempts, dedup_key, last_error, history, created_at, finished_at"

    public func record(_ id: UUID) async throws -> JobRecord? {
        try await database.read { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM lintel_jobs WHERE id = \(bind: id)").first().map(Self.decode)
        }
    }

    /// Dead-lettered jobs, newest first (ids are time-ordered), keyset-paginated by id.
    public func deadLetters(_ page: PageRequest, queue: String? = nil) async throws -> (items: [JobRecord], count: Int) {
        try await database.read { sql in
            var filter = SQLQueryString("state = 'dead'")
            if let queue { filter = "state = 'dead' AND queue = \(bind: queue)" }
            var keyset = SQLQueryString("")
            if let after = page.after?.first.flatMap({ UUID(canonical: $0) }) { keyset = " AND id < \(bind: after)" }
            let rows = try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM lintel_jobs WHERE \(filter)\(keyset) ORDER BY id DESC LIMIT \(bind: page.limit)").all()
            let count = try await sql.raw("SELECT COUNT(*) AS n FROM lintel_jobs WHERE \(filter)").first()?.decode(column: "n", as: Int.self) ?? 0
            return (try rows.map(Self.decode), count)
        }
    }

    /// Puts a dead job back in its queue with its attempts reset; returns it as requeued, or `nil` if it is not dead.
    public func retry(_ id: UUID) async throws -> JobRecord? {
        let record = try await database.transaction { sql in
            try await sql.raw("""
                UPDATE lintel_jobs SET state = 'queued', attempts = 0, run_at = \(bind: Date()), finished_at = NULL, leased_by = NULL, lease_until = NULL
                WHERE id = \(bind: id) AND state = 'dead' RETURNING \(unsafeRaw: Self.columns)
                """).first().map(Self.decode)
        }
        if record != nil { enqueued.signal() }
        return record
    }

    /// Retries every dead job (of one queue); returns how many.
    public func retryAllDead(queue: String? = nil) async throws -> Int {
        let count = try await database.transaction { sql in
            let filter: SQLQueryString = queue.map { "state = 'dead' AND queue = \(bind: $0)" } ?? "state = 'dead'"
            return try await sql.raw("""
                UPDATE lintel_jobs SET state = 'queued', attempts = 0, run_at = \(bind: Date()), finished_at = NULL, leased_by = NULL, lease_until = NULL
                WHERE \(filter) RETURNING id
                """).all().count
        }
        if count > 0 { enqueued.signal() }
        return count
    }

    /// Deletes a dead job; `false` if it is not dead.
    public func discard(_ id: UUID) async throws -> Bool {
        try await database.transaction { sql in
            try await sql.raw("DELETE FROM lintel_jobs WHERE id = \(bind: id) AND state = 'dead' RETURNING id").first() != nil
        }
    }

    /// Jobs per queue and state (scheduled = queued with a future run time).
    public func depth() async throws -> [String: [String: Int]] {
        try await database.read { sql in
            let now = Date()
            var result: [String: [String: Int]] = [:]
            for row in try await sql.raw("""
                SELECT queue, CASE WHEN state = 'queued' AND run_at > \(bind: now) THEN 'scheduled' ELSE state END AS bucket, COUNT(*) AS n
                FROM lintel_jobs GROUP BY 1, 2
                """).all() {
                result[try row.decode(column: "queue", as: String.self), default: [:]][try row.decode(column: "bucket", as: String.self)] = try row.decode(column: "n", as: Int.self)
            }
            return result
        }
    }

    static func decode(_ row: any SQLRow) throws -> JobRecord {
        func json<T: Decodable>(_ column: String, as type: T.Type, default value: T) -> T {
            guard let text = try? row.decode(column: column, as: String.self) else { return value }
            return (try? JSONCoding.decoder.decode(T.self, from: Data(text.utf8))) ?? value
        }
        return JobRecord(
            id: try row.decode(column: "id", as: UUID.self), kind: try row.decode(column: "kind", as: String.self),
            queue: try row.decode(column: "queue", as: String.self),
            state: JobRecord.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .queued,
            payload: json("payload", as: JSONValue.self, default: .null), priority: try row.decode(column: "priority", as: Int.self),
            runAt: try row.decode(column: "run_at", as: Date.self), attempts: try row.decode(column: "attempts", as: Int.self),
            maxAttempts: try row.decode(column: "max_attempts", as: Int.self), dedupKey: try row.decode(column: "dedup_key", as: String?.self),
            lastError: try row.decode(column: "last_error", as: String?.self), history: json("history", as: [JobRecord.Failure].self, default: []),
            createdAt: try row.decode(column: "created_at", as: Date.self), finishedAt: try row.decode(column: "finished_at", as: Date?.self))
    }
}
