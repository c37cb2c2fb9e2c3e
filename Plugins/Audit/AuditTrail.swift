import Crypto
import Foundation
import Kernel
import SQLKit

/// Appends entries to their chains. Appends to one chain are serialized in the database — PostgreSQL
/// locks the chain's head row (`audit_chains`) for the transaction, SQLite has one writer — so concurrent
/// requests and any number of processes never fork a chain: each entry takes the next sequence and the
/// hash of the entry before it.
struct AuditTrail: Sendable {
    let key: SymmetricKey
    let redactor: PIIRedactor
    /// HMAC keyed once with `key`, copied for every entry.
    var mac: HMAC<SHA256> { HMAC<SHA256>(key: key) }

    /// Redacts, places, seals and inserts `drafts` in the caller's transaction; returns the entries.
    @discardableResult
    func append(_ drafts: [AuditDraft], in sql: any SQLDatabase) async throws -> [AuditEntry] {
        guard !drafts.isEmpty else { return [] }
        var entries: [AuditEntry] = []
        let byChain = Dictionary(grouping: drafts.map(redactor.redact), by: \.chain)
        let mac = mac
        // One lock order for every writer: no deadlocks between transactions that touch several chains.
        for chain in byChain.keys.sorted() {
            var (sequence, previous) = try await head(chain, in: sql)
            var batch: [AuditEntry] = []
            for draft in byChain[chain]! {
                sequence += 1
                var entry = AuditEntry(id: UUID.v7(now: draft.occurredAt), chain: chain, sequence: sequence,
                                       occurredMicros: Int64((draft.occurredAt.timeIntervalSince1970 * 1_000_000).rounded()),
                                       action: draft.action, resourceType: draft.resourceType, resourceID: draft.resourceID, actorID: draft.actorID,
                                       orgID: draft.orgID.flatMap { $0.isEmpty ? nil : $0 }, changes: JSONValue.object(draft.changes).jsonString(),
                                       details: JSONValue.object(draft.details).jsonString(), requestID: draft.requestID, actorIP: draft.actorIP,
                                       userAgent: draft.userAgent.map { String($0.prefix(512)) }, impersonatorID: draft.impersonatorID,
                                       eventID: draft.eventID, previousHash: previous, entryHash: "", signature: "")
                entry.seal(with: mac)
                previous = entry.entryHash
                batch.append(entry)
            }
            try await Self.insert(batch, into: "audit_entries", in: sql)
            try await sql.raw("""
                UPDATE audit_chains SET last_sequence = \(bind: sequence), last_hash = \(bind: previous), updated_at = \(bind: Date())
                WHERE chain = \(bind: chain)
                """).run()
            entries += batch
        }
        return entries
    }

    /// The chain's last sequence and hash, with its head row locked until the transaction ends.
    func head(_ chain: String, in sql: any SQLDatabase) async throws -> (Int64, String) {
        try await sql.raw("""
            INSERT INTO audit_chains (chain, last_sequence, last_hash, pruned_through, updated_at)
            VALUES (\(bind: chain), 0, \(bind: AuditEntry.genesisHash), 0, \(bind: Date()))
            ON CONFLICT (chain) DO NOTHING
            """).run()
        let lock: SQLQueryString = Database.transactionDialect == .postgres ? " FOR UPDATE" : ""
        guard let row = try await sql.raw("SELECT last_sequence, last_hash FROM audit_chains WHERE chain = \(bind: chain)" + lock).first() else {
            throw AuditError.chainMissing(chain)
        }
        return (try row.decode(column: "last_sequence", as: Int64.self), try row.decode(column: "last_hash", as: String.self))
    }

    /// Inserts in statements of up to 50 rows (SQLite allows 32,766 parameters per statement).
    func insert(_ entries: [AuditEntry], in sql: any SQLDatabase) async throws {
        try await Self.insert(entries, into: "audit_entries", in: sql)
    }

    static func insert(_ entries: [AuditEntry], into table: String, in sql: any SQLDatabase) async throws {
        for start in stride(from: 0, to: entries.count, by: 50) {
            let slice = entries[start..<min(start + 50, entries.count)]
            var query: SQLQueryString = "INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: AuditEntry.columns)) VALUES "
            for (index, entry) in slice.enumerated() {
                if index > 0 { query += ", " }
                query += """
                    (\(bind: entry.id), \(bind: entry.chain), \(bind: entry.sequence), \(bind: entry.occurredMicros), \(bind: entry.action),
                     \(bind: entry.resourceType), \(bind: entry.resourceID), \(bind: entry.actorID), \(bind: entry.orgID), \(bind: entry.changes),
                     \(bind: entry.details), \(bind: entry.requestID), \(bind: entry.actorIP), \(bind: entry.userAgent), \(bind: entry.impersonatorID),
                     \(bind: entry.eventID), \(bind: entry.previousHash), \(bind: entry.entryHash), \(bind: entry.signature))
                    """
            }
            try await sql.raw(query).run()
        }
    }
}

enum AuditError: Error, CustomStringConvertible {
    case chainMissing(String)
    case unknownEntry(String)

    var description: String {
        switch self {
        case .chainMissing(let chain): "the head of audit chain \(chain) is missing"
        case .unknownEntry(let id): "no audit entry \(id)"
        }
    }
}
