import Foundation
import Logging
import SQLKit

/// Writes domain events to the transactional outbox and reads them back.
public final class EventBus: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case notInTransaction(String)
        case invalidName(String)

        public var description: String {
            switch self {
            case .notInTransaction(let name):
                return "event \(name) was emitted outside a database transaction; emit inside `database.transaction` so it commits with the change"
            case .invalidName(let name):
                return "'\(name)' is not an event name: use dotted lower-case words such as user.created"
            }
        }
    }

    /// Arbitrary constant naming the advisory lock that serializes emitters on PostgreSQL, so outbox
    /// sequence order is commit order and a dispatcher's cursor never skips a late commit.
    static let emitLockKey: Int64 = 0x4C_49_4E_54_45_56

    let database: Database
    /// Woken after a transaction that emitted commits.
    let committed = WakeSignal()

    init(database: Database) {
        self.database = database
    }

    /// Records `name` in the outbox as part of the current transaction (`sql` must be its connection).
    /// Emit last in the transaction: on PostgreSQL emitters wait for each other until they commit.
    @discardableResult
    public func emit(_ name: String, payload: JSONValue, origin: EventOrigin, in sql: any SQLDatabase) async throws -> DomainEvent {
        guard let dialect = Database.transactionDialect else { throw Failure.notInTransaction(name) }
        guard DomainEvent.isValidName(name) else { throw Failure.invalidName(name) }
        if dialect == .postgres {
            try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.emitLockKey))").run()
        }
        let id = UUID.v7()
        let now = Date()
        let row = try await sql.raw("""
            INSERT INTO lintel_events (id, name, occurred_at, actor_id, org_id, request_id, impersonator_id, client_address, user_agent, payload)
            VALUES (\(bind: id), \(bind: name), \(bind: now), \(bind: origin.actorID), \(bind: origin.orgID), \(bind: origin.requestID),
                    \(bind: origin.impersonatorID), \(bind: origin.clientAddress), \(bind: origin.userAgent.map { String($0.prefix(512)) }),
                    \(bind: payload.jsonString()))
            RETURNING seq
            """).first()
        let sequence = try row?.decode(column: "seq", as: Int64.self) ?? 0
        let signal = committed
        Database.afterCommit { signal.signal() }
        return DomainEvent(sequence: sequence, id: id, name: name, occurredAt: now, actorID: origin.actorID, orgID: origin.orgID,
                           requestID: origin.requestID, impersonatorID: origin.impersonatorID, clientAddress: origin.clientAddress,
                           userAgent: origin.userAgent.map { String($0.prefix(512)) }, payload: payload)
    }

    /// Every event a request emitted, in order (what tests assert).
    public func emitted(requestID: String) async throws -> [DomainEvent] {
        try await database.read { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM lintel_events WHERE request_id = \(bind: requestID) ORDER BY seq").all()
                .map(Self.decode)
        }
    }

    /// Events after `sequence`, oldest first.
    public func events(after sequence: Int64, limit: Int) async throws -> [DomainEvent] {
        try await database.read { sql in
            try await Self.events(after: sequence, limit: limit, sql: sql)
        }
    }

    /// The highest sequence written so far (0 when empty).
    public func latestSequence() async throws -> Int64 {
        try await database.read { sql in
            try await sql.raw("SELECT COALESCE(MAX(seq), 0) AS latest FROM lintel_events").first()?.decode(column: "latest", as: Int64.self) ?? 0
        }
    }

    static let columns = "seq, id, name, occurred_at, actor_id, org_id, request_id, impersonator_id, client_address, user_agent, payload"

    static func events(after sequence: Int64, limit: Int, sql: any SQLDatabase) async throws -> [DomainEvent] {
        try await sql.raw("SELECT \(unsafeRaw: columns) FROM lintel_events WHERE seq > \(bind: sequence) ORDER BY seq LIMIT \(bind: limit)")
            .all().map(decode)
    }

    static func decode(_ row: any SQLRow) throws -> DomainEvent {
        let payloadText = try row.decode(column: "payload", as: String.self)
        let payload = (try? JSONDecoder().decode(JSONValue.self, from: Data(payloadText.utf8))) ?? .null
        return DomainEvent(sequence: try row.decode(column: "seq", as: Int64.self), id: try row.decode(column: "id", as: UUID.self),
                           name: try row.decode(column: "name", as: String.self), occurredAt: try row.decode(column: "occurred_at", as: Date.self),
                           actorID: try row.decode(column: "actor_id", as: String?.self), orgID: try row.decode(column: "org_id", as: String?.self),
                           requestID: try row.decode(column: "request_id", as: String?.self),
                           impersonatorID: try row.decode(column: "impersonator_id", as: String?.self),
                           clientAddress: try row.decode(column: "client_address", as: String?.self),
                           userAgent: try row.decode(column: "user_agent", as: String?.self), payload: payload)
    }
}
