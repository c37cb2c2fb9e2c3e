import Crypto
import Foundation
import Kernel
import Logging
import SQLKit
import Synchronization

/// Everything the audit plugin does, shared by its subscriber, jobs, routes and commands.
final class AuditService: Sendable {
    let settings: AuditSettings
    let database: Database
    let events: EventBus
    let logger: Logger
    let trail: AuditTrail
    let checkpoints: Checkpoints
    let verifier: ChainVerifier
    let redactor: PIIRedactor
    let denials: DenialRecorder

    init(settings: AuditSettings, context: PluginContext) async throws {
        self.settings = settings
        database = context.database
        events = context.events
        logger = context.logger
        let secret = context.site.security.secretKey.value
        // The entries' key: configured, or derived from the deployment secret — never the token-signing key.
        let material = settings.hmacKey.flatMap { $0.value.isEmpty ? nil : $0.value } ?? secret
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(material.utf8)), salt: Data("lintel audit entries".utf8),
                                         info: Data(), outputByteCount: 32)
        let piiKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, salt: Data("lintel audit pii".utf8), info: Data(), outputByteCount: 32)
        redactor = PIIRedactor(policy: settings.piiPolicy, fields: Set(settings.piiFields), key: piiKey)
        trail = AuditTrail(key: key, redactor: redactor)
        checkpoints = Checkpoints(signer: try await CheckpointSigner.load(settings: settings, secret: secret, database: context.database), events: context.events)
        verifier = ChainVerifier(key: key, checkpoints: checkpoints, database: context.database)
        denials = DenialRecorder(database: context.database, trail: trail, logger: context.logger)
    }

    /// Every domain event but the audit plugin's own becomes an entry, in batches (one commit per batch).
    var subscription: EventSubscription {
        EventSubscription("audit.trail", events: ["*"]) { [trail] events, delivery in
            let drafts = events.filter { !$0.name.hasPrefix("audit.") }.map(EventMapping.draft)
            try await trail.append(drafts, in: delivery.sql)
        }
    }

    // MARK: Jobs

    static let checkpointJob = "audit.checkpoint"
    static let verifyJob = "audit.verify"
    static let retentionJob = "audit.retention"

    var jobs: [JobDefinition] {
        [
            JobDefinition(Self.checkpointJob, queue: "audit") { [self] _, _ in _ = try await checkpointAll() },
            JobDefinition(Self.verifyJob, queue: "audit", timeout: .seconds(3600)) { [self] _, _ in _ = try await verifyAll() },
            JobDefinition(Self.retentionJob, queue: "audit", timeout: .seconds(3600)) { [self] _, _ in _ = try await prune() },
        ]
    }

    var schedules: [Schedule] {
        var schedules = [Schedule("audit.checkpoints", .every(settings.checkpointInterval), kind: Self.checkpointJob),
                         Schedule("audit.verification", .every(settings.verifyInterval), kind: Self.verifyJob)]
        if settings.retentionDays > 0 { schedules.append(Schedule("audit.retention", .every(.seconds(86_400)), kind: Self.retentionJob)) }
        return schedules
    }

    /// A checkpoint for every chain that grew since its last one.
    func checkpointAll() async throws -> [Checkpoint] {
        try await database.transaction { [checkpoints] sql in
            var made: [Checkpoint] = []
            for chain in try await checkpoints.chains(in: sql) {
                if let checkpoint = try await checkpoints.record(chain, in: sql) { made.append(checkpoint) }
            }
            return made
        }
    }

    /// Verifies every chain in full and records the outcome (failures become alerts).
    func verifyAll() async throws -> [ChainVerifier.Report] {
        let chains = try await database.read { [checkpoints] sql in try await checkpoints.chains(in: sql) }
        var reports: [ChainVerifier.Report] = []
        for chain in chains {
            let report = try await verifier.verify(chain)
            reports.append(report)
            if let problem = report.problem {
                logger.critical("audit chain verification failed", metadata: ["chain": .string(chain), "problem": .string(problem.detail)])
            }
            try await database.transaction { sql in
                let now = Date()
                try await sql.raw("""
                    INSERT INTO audit_verifications (chain, valid, checked, problem, since, verified_at)
                    VALUES (\(bind: chain), \(bind: report.valid), \(bind: Int64(report.checked)), \(bind: report.problem?.detail), \(bind: report.valid ? nil : now), \(bind: now))
                    ON CONFLICT (chain) DO UPDATE SET valid = excluded.valid, checked = excluded.checked, problem = excluded.problem,
                        since = CASE WHEN excluded.valid THEN NULL ELSE COALESCE(audit_verifications.since, excluded.since) END,
                        verified_at = excluded.verified_at
                    """).run()
            }
        }
        return reports
    }

    /// Failed verifications, for `GET /api/v1/admin/alerts`.
    var alertSource: AlertSource {
        AlertSource(AuditPlugin.id.rawValue) { [database] in
            try await database.read { sql in
                try await sql.raw("SELECT chain, problem, since FROM audit_verifications WHERE valid = \(bind: false) ORDER BY chain").all().map { row in
                    let chain = try row.decode(column: "chain", as: String.self)
                    return Alert(id: "audit.chain:\(chain)", severity: .critical, title: "Audit chain verification failed",
                                 detail: "Chain \(chain): \(try row.decode(column: "problem", as: String?.self) ?? "invalid")",
                                 since: try row.decode(column: "since", as: Date?.self), link: "/api/v1/audit/chain-verify", source: AuditPlugin.id.rawValue)
                }
            }
        }
    }
}

/// Authorization denials, recorded as `authz.denied` entries. The decision log calls in on the request's
/// task, so denials are queued in memory and written in batches every 500 ms (at most 10,000 wait; beyond
/// that the oldest are dropped and counted). A crash loses at most the last half second of denials.
final class DenialRecorder: Sendable {
    private let pending = Mutex<[AuditDraft]>([])
    private let dropped = Atomic<Int>(0)
    /// One flush at a time: a flush returns only once what was queued before it is written, even when the
    /// periodic flush had already taken it (so shutdown, and anyone reading right after, sees every denial).
    /// Never call `flush()` inside a database transaction: on SQLite it would hold the writer the
    /// in-flight flush waits for.
    private let flushing = AsyncSemaphore(permits: 1)
    let database: Database
    let trail: AuditTrail
    let logger: Logger
    static let capacity = 10_000

    init(database: Database, trail: AuditTrail, logger: Logger) {
        self.database = database
        self.trail = trail
        self.logger = logger
    }

    func record(_ decision: DecisionRecord) {
        let draft = EventMapping.draft(decision)
        let overflow = pending.withLock { queue -> Bool in
            queue.append(draft)
            guard queue.count > Self.capacity else { return false }
            queue.removeFirst(queue.count - Self.capacity)
            return true
        }
        if overflow { dropped.add(1, ordering: .relaxed) }
    }

    /// Writes what is queued; returns how many entries were written.
    @discardableResult
    func flush() async throws -> Int {
        try await flushing.withPermit { try await flushQueued() }
    }

    private func flushQueued() async throws -> Int {
        let drafts = pending.withLock { queue in
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
        let lost = dropped.exchange(0, ordering: .relaxed)
        if lost > 0 { logger.error("audit denials dropped: more arrived than could be written", metadata: ["dropped": .stringConvertible(lost)]) }
        guard !drafts.isEmpty else { return 0 }
        do {
            _ = try await database.transaction { [trail] sql in try await trail.append(drafts, in: sql) }
        } catch {
            // Put them back for the next flush (in front: they are older).
            pending.withLock { $0.insert(contentsOf: drafts, at: 0) }
            throw error
        }
        return drafts.count
    }
}

import ServiceLifecycle

/// Flushes the denial queue every 500 ms, and once more on shutdown.
struct DenialFlusher: Service {
    let recorder: DenialRecorder

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(500))
                do { try await recorder.flush() } catch { recorder.logger.warning("writing audit denials failed", metadata: ["error": .string("\(error)")]) }
            }
        }
        _ = try? await recorder.flush()
    }
}
