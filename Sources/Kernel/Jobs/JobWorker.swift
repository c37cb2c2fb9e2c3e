import Foundation
import Logging
import Metrics
import ServiceLifecycle
import SQLKit
import Synchronization

/// Claims and runs jobs of some queues in this process.
///
/// Claiming is safe across processes: `FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on
/// SQLite. A claimed job holds a lease that a heartbeat renews; if the process dies, the lease runs out,
/// a sweeper records the lost attempt and the job runs again (or is dead-lettered when out of attempts).
/// On graceful shutdown the worker stops claiming, lets running jobs finish for `shutdown_timeout`, then
/// releases the rest to run elsewhere.
final class JobWorker: Service {
    let id: String
    let queue: JobQueue
    let events: EventBus
    let queues: [String]
    let logger: Logger
    private let running = Mutex<[UUID: Task<Void, Never>]>([:])
    /// When this worker last looked for jobs whose worker died (no need to look more than every third of a lease).
    private let lastSweep = Mutex<ContinuousClock.Instant?>(nil)
    private let counters = Mutex<(processed: Int, failed: Int)>((0, 0))

    var database: Database { queue.database }
    var settings: JobsSettings { queue.settings }

    init(queue: JobQueue, events: EventBus, queues: [String], logger: Logger) {
        self.id = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
        self.queue = queue
        self.events = events
        self.queues = queues
        self.logger = logger
    }

    func run() async throws {
        try await register()
        // Shutdown cancels claiming and the heartbeat loop (not the running jobs, which `drain` waits for).
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for name in self.queues {
                    group.addTask { await self.claimLoop(name) }
                }
                group.addTask { await self.heartbeatLoop() }
            }
        }
        logger.info("job worker stopping", metadata: ["running": .stringConvertible(running.withLock { $0.count })])
        await drain()
        try? await database.transaction { sql in
            try await sql.raw("DELETE FROM lintel_workers WHERE id = \(bind: self.id)").run()
        }
    }

    // MARK: Claiming

    private func claimLoop(_ name: String) async {
        let concurrency = settings.concurrency(of: name)
        let kinds = queue.kinds.map(\.kind)
        while !Task.isCancelled {
            let seen = queue.enqueued.count  // before claiming: an enqueue or a finished job from now on wakes the wait below
            let free = concurrency - running.withLock { $0.count }
            var claimed: [Job] = []
            if free > 0 {
                do {
                    try await sweepExpiredLeases()
                    claimed = try await claim(queue: name, kinds: kinds, limit: min(free, concurrency))
                } catch {
                    logger.warning("claiming jobs failed", metadata: ["queue": .string(name), "error": .string("\(error)")])
                }
            }
            for job in claimed { start(job) }
            if claimed.isEmpty || claimed.count == free {
                await queue.enqueued.wait(after: seen, timeout: free > 0 ? settings.pollInterval : .milliseconds(50))
            }
        }
    }

    private func claim(queue name: String, kinds: [String], limit: Int) async throws -> [Job] {
        guard !kinds.isEmpty else { return [] }
        let now = Date()
        let until = now.addingTimeInterval(settings.lease.timeInterval)
        let lock: SQLQueryString = database.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.transaction { sql in
            try await sql.raw("""
                UPDATE lintel_jobs SET state = 'running', attempts = attempts + 1, leased_by = \(bind: self.id), lease_until = \(bind: until), started_at = \(bind: now)
                WHERE id IN (
                    SELECT id FROM lintel_jobs
                    WHERE queue = \(bind: name) AND state = 'queued' AND run_at <= \(bind: now) AND kind IN (\(binds: kinds))
                    ORDER BY priority DESC, run_at, id LIMIT \(bind: limit)\(lock))
                RETURNING id, kind, queue, payload, attempts, max_attempts, created_at
                """).all().map { row in
                let payload = (try? JSONDecoder().decode(JSONValue.self, from: Data(try row.decode(column: "payload", as: String.self).utf8))) ?? [:]
                return Job(id: try row.decode(column: "id", as: UUID.self), kind: try row.decode(column: "kind", as: String.self),
                           queue: try row.decode(column: "queue", as: String.self), payload: payload,
                           attempt: try row.decode(column: "attempts", as: Int.self), maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
                           createdAt: try row.decode(column: "created_at", as: Date.self))
            }
        }
    }

    /// Jobs whose worker stopped heartbeating: record the lost attempt, then retry or dead-letter them.
    private func sweepExpiredLeases() async throws {
        let due = lastSweep.withLock { last -> Bool in
            let now = ContinuousClock.now
            guard last.map({ now - $0 >= settings.lease / 3 }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        let now = Date()
        let lock: SQLQueryString = database.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        try await database.transaction { sql in
            let expired = try await sql.raw("""
                SELECT id, attempts, max_attempts, history, leased_by FROM lintel_jobs
                WHERE state = 'running' AND lease_until < \(bind: now) LIMIT 100\(lock)
                """).all()
            for row in expired {
                let id = try row.decode(column: "id", as: UUID.self)
                let attempts = try row.decode(column: "attempts", as: Int.self)
                let owner = try row.decode(column: "leased_by", as: String?.self)
                let error = "worker \(owner ?? "?") stopped during attempt \(attempts): its lease expired"
                try await self.recordFailure(id: id, attempt: attempts, maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
                                             history: try row.decode(column: "history", as: String.self), error: error, worker: owner, sql: sql, requireOwner: false)
                self.logger.warning("job lease expired", metadata: ["job_id": .string(id.lowercasedString), "previous_worker": .string(owner ?? "?")])
            }
        }
    }

    // MARK: Running

    /// Runs `job` in a task of its own, counted in `running` until it ends. The task is made and recorded
    /// under the lock its end takes: a job that ended before it was recorded would otherwise stay counted
    /// forever, and a worker whose slots all leaked so would stop claiming.
    private func start(_ job: Job) {
        running.withLock { running in
            running[job.id] = Task { [self] in
                await self.execute(job)
                _ = self.running.withLock { $0.removeValue(forKey: job.id) }
                self.queue.enqueued.signal()
            }
        }
    }

    private func execute(_ job: Job) async {
        var logger = self.logger
        logger[metadataKey: "job_id"] = .string(job.id.lowercasedString)
        logger[metadataKey: "job_kind"] = .string(job.kind)
        let dimensions = [("queue", job.queue), ("kind", job.kind)]
        guard let definition = queue.definitions[job.kind] else { return }
        if job.attempt > job.maxAttempts {
            try? await finish(job, error: "attempts exhausted before this run (\(job.attempt - 1) of \(job.maxAttempts))")
            return
        }
        let started = ContinuousClock.now
        let context = JobContext(database: database, jobs: queue, events: events, logger: logger)
        do {
            try await withTimeout(definition.timeout) { try await definition.run(job, context) }
            try await database.transaction { sql in
                try await sql.raw("""
                    UPDATE lintel_jobs SET state = 'succeeded', finished_at = \(bind: Date()), leased_by = NULL, lease_until = NULL, last_error = NULL
                    WHERE id = \(bind: job.id) AND leased_by = \(bind: self.id) AND state = 'running'
                    """).run()
            }
            counters.withLock { $0.processed += 1 }
            Counter(label: "lintel_jobs_runs_total", dimensions: dimensions + [("outcome", "succeeded")]).increment()
            logger.debug("job succeeded")
        } catch {
            counters.withLock { $0.failed += 1 }
            let message = String(String(describing: error).prefix(2000))
            let dead = job.attempt >= job.maxAttempts
            Counter(label: "lintel_jobs_runs_total", dimensions: dimensions + [("outcome", dead ? "dead" : "failed")]).increment()
            logger.log(level: dead ? .error : .warning, dead ? "job dead-lettered" : "job failed; will retry",
                       metadata: ["attempt": .stringConvertible(job.attempt), "error": .string(message)])
            do { try await finish(job, error: message) } catch {
                logger.error("could not record job failure", metadata: ["error": .string("\(error)")])
            }
        }
        Metrics.Timer(label: "lintel_job_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
            .recordNanoseconds((ContinuousClock.now - started).nanoseconds)
    }

    private func finish(_ job: Job, error: String) async throws {
        try await database.transaction { sql in
            guard let row = try await sql.raw("SELECT history FROM lintel_jobs WHERE id = \(bind: job.id) AND leased_by = \(bind: self.id)").first() else { return }
            try await self.recordFailure(id: job.id, attempt: job.attempt, maxAttempts: job.maxAttempts,
                                         history: try row.decode(column: "history", as: String.self), error: error, worker: self.id, sql: sql, requireOwner: true)
        }
    }

    /// Appends the failure to the job's history; requeues it with backoff, or dead-letters it when out of attempts.
    private func recordFailure(id: UUID, attempt: Int, maxAttempts: Int, history: String, error: String, worker: String?,
                               sql: any SQLDatabase, requireOwner: Bool) async throws {
        var entries = (try? JSONCoding.decoder.decode([JobRecord.Failure].self, from: Data(history.utf8))) ?? []
        entries.append(JobRecord.Failure(attempt: attempt, at: Date(), error: error, worker: worker))
        let historyText = String(decoding: try JSONCoding.encoder.encode(entries), as: UTF8.self)
        let owner: SQLQueryString = requireOwner ? " AND leased_by = \(bind: self.id)" : ""
        if attempt >= maxAttempts {
            try await sql.raw("""
                UPDATE lintel_jobs SET state = 'dead', finished_at = \(bind: Date()), leased_by = NULL, lease_until = NULL,
                    last_error = \(bind: error), history = \(bind: historyText)
                WHERE id = \(bind: id)\(owner)
                """).run()
        } else {
            let retryAt = Date().addingTimeInterval(Backoff.delay(attempt: attempt, base: settings.backoffBase, max: settings.backoffMax).timeInterval)
            try await sql.raw("""
                UPDATE lintel_jobs SET state = 'queued', run_at = \(bind: retryAt), leased_by = NULL, lease_until = NULL,
                    last_error = \(bind: error), history = \(bind: historyText)
                WHERE id = \(bind: id)\(owner)
                """).run()
        }
    }

    // MARK: Heartbeat and shutdown

    private func register() async throws {
        let now = Date()
        try await database.transaction { sql in
            try await sql.raw("""
                INSERT INTO lintel_workers (id, hostname, pid, queues, started_at, last_seen_at, processed, failed)
                VALUES (\(bind: self.id), \(bind: ProcessInfo.processInfo.hostName), \(bind: Int(ProcessInfo.processInfo.processIdentifier)),
                        \(bind: self.queues.joined(separator: ",")), \(bind: now), \(bind: now), 0, 0)
                """).run()
        }
    }

    /// Every third of a lease: extend the leases of running jobs and report this worker as alive.
    private func heartbeatLoop() async {
        let interval = Swift.Duration.milliseconds(Int64(settings.lease.timeInterval * 1000 / 3))
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            await heartbeat()
        }
    }

    private func heartbeat() async {
        let now = Date()
        let until = now.addingTimeInterval(settings.lease.timeInterval)
        let (processed, failed) = counters.withLock { $0 }
        do {
            try await database.transaction { sql in
                try await sql.raw("""
                    UPDATE lintel_jobs SET lease_until = \(bind: until) WHERE leased_by = \(bind: self.id) AND state = 'running'
                    """).run()
                try await sql.raw("""
                    UPDATE lintel_workers SET last_seen_at = \(bind: now), processed = \(bind: processed), failed = \(bind: failed) WHERE id = \(bind: self.id)
                    """).run()
            }
        } catch {
            logger.warning("worker heartbeat failed", metadata: ["error": .string("\(error)")])
        }
    }

    /// Waits for running jobs up to `shutdown_timeout`, then releases the rest (their attempt is not counted).
    private func drain() async {
        let deadline = ContinuousClock.now + settings.shutdownTimeout
        while running.withLock({ !$0.isEmpty }), ContinuousClock.now < deadline {
            await heartbeat()
            try? await Task.sleep(for: .milliseconds(100))
        }
        let leftovers = running.withLock { $0 }
        guard !leftovers.isEmpty else { return }
        for task in leftovers.values { task.cancel() }
        do {
            try await database.transaction { sql in
                try await sql.raw("""
                    UPDATE lintel_jobs SET state = 'queued', attempts = attempts - 1, run_at = \(bind: Date()), leased_by = NULL, lease_until = NULL
                    WHERE leased_by = \(bind: self.id) AND state = 'running'
                    """).run()
            }
            logger.warning("released unfinished jobs", metadata: ["count": .stringConvertible(leftovers.count)])
        } catch {
            logger.error("could not release unfinished jobs; they run again when their lease expires", metadata: ["error": .string("\(error)")])
        }
    }
}
