import Foundation
import Logging
import ServiceLifecycle
import SQLKit

/// Enqueues periodic jobs. Every process may run a scheduler: each due run is claimed with a
/// compare-and-set on the schedule's row (`next_run_ms`), in the same transaction as the enqueue, so
/// exactly one process fires each run and a crash in between fires nothing twice. Runs missed while no
/// process was up fire once, then the schedule continues from now.
final class Scheduler: Service {
    let schedules: [Schedule]
    let queue: JobQueue
    let logger: Logger

    var database: Database { queue.database }

    init(schedules: [Schedule], queue: JobQueue, logger: Logger) {
        self.schedules = schedules
        self.queue = queue
        self.logger = logger
    }

    func run() async throws {
        guard !schedules.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        try await register()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await self.tick() } catch is CancellationError { return } catch {
                    self.logger.warning("scheduler tick failed", metadata: ["error": .string("\(error)")])
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Creates missing schedule rows; a schedule whose trigger changed is re-planned from now.
    func register() async throws {
        let now = Date()
        try await database.transaction { sql in
            for schedule in self.schedules {
                let next = Self.millis(schedule.trigger.next(after: now) ?? now.addingTimeInterval(86_400))
                try await sql.raw("""
                    INSERT INTO lintel_schedules (name, spec, next_run_ms) VALUES (\(bind: schedule.name), \(bind: schedule.trigger.spec), \(bind: next))
                    ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, next_run_ms = excluded.next_run_ms
                    WHERE lintel_schedules.spec <> excluded.spec
                    """).run()
            }
        }
    }

    /// Fires every due schedule this process wins.
    func tick(now: Date = Date()) async throws {
        let due = try await database.read { sql in
            try await sql.raw("SELECT name, next_run_ms FROM lintel_schedules WHERE next_run_ms <= \(bind: Self.millis(now))").all().map {
                (try $0.decode(column: "name", as: String.self), try $0.decode(column: "next_run_ms", as: Int64.self))
            }
        }
        for (name, dueMillis) in due {
            guard let schedule = schedules.first(where: { $0.name == name }) else { continue }
            let dueDate = Date(timeIntervalSince1970: Double(dueMillis) / 1000)
            var next: Date
            switch schedule.trigger {
            case .every(let interval):
                next = dueDate.addingTimeInterval(interval.timeInterval)
                if next <= now { next = now.addingTimeInterval(interval.timeInterval) }
            case .cron(let expression):
                next = expression.next(after: now) ?? now.addingTimeInterval(86_400)
            }
            let nextMillis = Self.millis(next)
            let fired = try await database.transaction { sql -> UUID? in
                guard try await sql.raw("""
                    UPDATE lintel_schedules SET next_run_ms = \(bind: nextMillis), last_run_at = \(bind: now)
                    WHERE name = \(bind: name) AND next_run_ms = \(bind: dueMillis) RETURNING name
                    """).first() != nil else { return nil }
                let id = try await self.queue.enqueue(schedule.kind, payload: schedule.payload, queue: schedule.queue,
                                                      dedupKey: "schedule:\(name):\(dueMillis)", in: sql)
                try await sql.raw("UPDATE lintel_schedules SET last_job_id = \(bind: id) WHERE name = \(bind: name)").run()
                return id
            }
            if let fired {
                logger.info("schedule fired", metadata: ["schedule": .string(name), "job_id": .string(fired.lowercasedString)])
            }
        }
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
}
