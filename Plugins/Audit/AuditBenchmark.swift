import Foundation
import Kernel
import SQLKit

/// What `make bench` measures of the audit trail, in the same run and the same database: appending
/// entries (redaction, chain lock, hashing, HMAC, insert, head update) against plain inserts of the same
/// rows into a table of the same shape, both in transactions of 100 rows (the audit subscriber's batch);
/// then verification of the whole chain.
public enum AuditBenchmark {
    public struct Figures: Sendable {
        public var entries: Int
        public var plainPerSecond: Double
        public var appendPerSecond: Double
        public var verifyPerSecond: Double
        public var verifiedValid: Bool
    }

    public static func run(_ kernel: Kernel, entries count: Int) async throws -> Figures {
        guard let plugin = kernel.plugins.compactMap({ $0 as? AuditPlugin }).first else { throw AuditError.chainMissing("the audit plugin is not enabled") }
        let service = plugin.service
        let database = kernel.database
        let chain = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        func draft(_ index: Int) -> AuditDraft {
            AuditDraft(occurredAt: Date(), action: "bench.updated", resourceType: "thing", resourceID: "thing-\(index)", actorID: UUID().lowercasedString,
                       orgID: chain, changes: ["name": ["old": .string("before \(index)"), "new": .string("after \(index)")], "status": ["old": "active", "new": "suspended"]],
                       details: ["note": "benchmark entry", "index": .int(index)], requestID: UUID().lowercasedString, actorIP: "192.0.2.1",
                       userAgent: "lintel-bench/1.0", impersonatorID: nil, eventID: nil)
        }
        // The plain rows: the same values, sealed once up front so only the insert is timed, into a table made
        // by the same statements as audit_entries (same columns, constraints and indexes).
        let statements = SQLStatementSplitter.split(AuditMigrations.entries.sql(for: database.dialect))
            .filter { $0.contains("audit_entries") && ($0.contains("CREATE TABLE") || $0.contains("CREATE INDEX") || $0.contains("CREATE UNIQUE INDEX")) }
            .map { $0.replacingOccurrences(of: "audit_entries", with: "audit_bench_plain") }
        try await database.transaction { sql in
            try await sql.raw("DROP TABLE IF EXISTS audit_bench_plain").run()
            for statement in statements { try await sql.raw(SQLQueryString(statement)).run() }
        }
        var prepared: [AuditEntry] = []
        for index in 0..<count {
            let redacted = service.redactor.redact(draft(index))
            var entry = AuditEntry(id: UUID.v7(), chain: chain + "-plain", sequence: Int64(index + 1), occurredMicros: Int64(Date().timeIntervalSince1970 * 1_000_000),
                                   action: redacted.action, resourceType: redacted.resourceType, resourceID: redacted.resourceID, actorID: redacted.actorID,
                                   orgID: redacted.orgID, changes: JSONValue.object(redacted.changes).jsonString(), details: JSONValue.object(redacted.details).jsonString(),
                                   requestID: redacted.requestID, actorIP: redacted.actorIP, userAgent: redacted.userAgent, impersonatorID: nil, eventID: nil,
                                   previousHash: AuditEntry.genesisHash, entryHash: "", signature: "")
            entry.seal(with: service.trail.key)
            prepared.append(entry)
        }
        let plain = try await timed {
            for start in stride(from: 0, to: count, by: 100) {
                let batch = Array(prepared[start..<min(start + 100, count)])
                try await database.transaction { sql in try await AuditTrail.insert(batch, into: "audit_bench_plain", in: sql) }
            }
        }
        let append = try await timed {
            for start in stride(from: 0, to: count, by: 100) {
                let drafts = (start..<min(start + 100, count)).map(draft)
                _ = try await database.transaction { sql in try await service.trail.append(drafts, in: sql) }
            }
        }
        var report: ChainVerifier.Report?
        let verify = try await timed { report = try await service.verifier.verify(chain) }
        try await database.transaction { sql in
            try await sql.raw("DROP TABLE audit_bench_plain").run()
            try await sql.raw("DELETE FROM audit_entries WHERE chain = \(bind: chain)").run()
            try await sql.raw("DELETE FROM audit_chains WHERE chain = \(bind: chain)").run()
        }
        return Figures(entries: count, plainPerSecond: Double(count) / plain, appendPerSecond: Double(count) / append,
                       verifyPerSecond: Double(report?.checked ?? 0) / verify, verifiedValid: report?.valid == true && report?.checked == count)
    }

    static func timed(_ body: () async throws -> Void) async throws -> Double {
        let started = ContinuousClock.now
        try await body()
        return (ContinuousClock.now - started).seconds
    }
}
