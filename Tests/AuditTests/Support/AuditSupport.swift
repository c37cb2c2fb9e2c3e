@testable import Audit
import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import SQLKit
import Testing

/// The tenancy world with the audit plugin on.
enum AuditSite {
    static func with<T: Sendable>(audit: String = "", local: String = "", tenancy: String = "", logs: LogSink = .capture(),
                                  _ body: @escaping @Sendable (Kernel, any TestClientProtocol, TenancyWorld) async throws -> T) async throws -> T {
        try await TenancyWorld.with(tenancy: tenancy, local: local, extra: "plugin audit {\n    archive_directory \(archive.path)\n    \(audit)\n}",
                                    plugins: [AuditPlugin.self], logs: logs, body)
    }

    static let archive = TemporaryDirectory()
}

extension Kernel {
    /// The running audit plugin's service.
    var audit: AuditService {
        get throws {
            guard let plugin = plugins.compactMap({ $0 as? AuditPlugin }).first else { throw AuditError.chainMissing("the audit plugin is not running") }
            return plugin.service
        }
    }

    /// Waits until the audit subscriber has recorded every event emitted so far (and writes queued denials).
    func auditCaughtUp() async throws {
        try await audit.denials.flush()
        let latest = try await events.latestSequence()
        try await eventually("the audit subscriber catches up") {
            try await self.count("SELECT COUNT(*) AS n FROM lintel_event_cursors WHERE subscriber = 'audit.trail' AND last_seq >= \(bind: latest)") == 1
        }
    }

    /// Entries as the API shows them, straight from the table, oldest first.
    func auditEntries(_ condition: SQLQueryString = "1 = 1") async throws -> [AuditEntry] {
        try await database.read { sql in
            try await sql.raw("SELECT \(unsafeRaw: AuditEntry.columns) FROM audit_entries WHERE " + condition + " ORDER BY chain, sequence").all().map(AuditEntry.decode)
        }
    }

    /// Appends `count` entries to `chain` directly (as many events would), `age` in the past.
    @discardableResult
    func appendEntries(_ count: Int, org: String?, action: String = "test.event", age: TimeInterval = 0, details: [String: JSONValue] = [:]) async throws -> [AuditEntry] {
        let service = try audit
        return try await database.transaction { sql in
            try await service.trail.append((0..<count).map { index in
                AuditDraft(occurredAt: Date().addingTimeInterval(-age + Double(index) / 1000), action: action, resourceType: "thing", resourceID: "thing-\(index)",
                           actorID: "tester", orgID: org, changes: ["n": ["old": .null, "new": .int(index)]], details: details, requestID: nil,
                           actorIP: nil, userAgent: nil, impersonatorID: nil, eventID: nil)
            }, in: sql)
        }
    }
}
