import Foundation
import Metrics
import SQLKit

/// Reads the state of queues, subscribers, workers and schedules from the database for the monitoring
/// endpoints, and records it as gauges before each metrics scrape.
struct SystemMonitor: Sendable {
    let database: Database
    let jobs: JobQueue
    let events: EventBus
    let subscriptions: [EventSubscription]
    let schedules: [Schedule]

    struct Subscriber: Encodable, Sendable {
        var name: String
        var cursor: Int64
        var lag: Int64
        var consecutiveFailures: Int
        var lastError: String?
        var setAside: Int
    }

    struct Worker: Encodable, Sendable {
        var id: String
        var hostname: String
        var pid: Int
        var queues: [String]
        var startedAt: Date
        var lastSeenAt: Date
        var processed: Int
        var failed: Int
        var alive: Bool
    }

    func subscribers() async throws -> [Subscriber] {
        let latest = try await events.latestSequence()
        let names = Set(subscriptions.map(\.name))
        return try await database.read { sql in
            let setAside = try await sql.raw("SELECT subscriber, COUNT(*) AS n FROM lintel_event_failures GROUP BY subscriber").all()
                .reduce(into: [String: Int]()) { $0[try $1.decode(column: "subscriber", as: String.self)] = try $1.decode(column: "n", as: Int.self) }
            return try await sql.raw("SELECT subscriber, last_seq, consecutive_failures, last_error FROM lintel_event_cursors ORDER BY subscriber").all()
                .compactMap { row -> Subscriber? in
                    let name = try row.decode(column: "subscriber", as: String.self)
                    guard names.contains(name) else { return nil }
                    let cursor = try row.decode(column: "last_seq", as: Int64.self)
                    return Subscriber(name: name, cursor: cursor, lag: max(0, latest - cursor),
                                      consecutiveFailures: try row.decode(column: "consecutive_failures", as: Int.self),
                                      lastError: try row.decode(column: "last_error", as: String?.self), setAside: setAside[name] ?? 0)
                }
        }
    }

    func workers(now: Date = Date()) async throws -> [Worker] {
        let staleAfter = jobs.settings.lease.timeInterval
        return try await database.read { sql in
            try await sql.raw("SELECT id, hostname, pid, queues, started_at, last_seen_at, processed, failed FROM lintel_workers ORDER BY started_at").all().map { row in
                let seen = try row.decode(column: "last_seen_at", as: Date.self)
                return Worker(id: try row.decode(column: "id", as: String.self), hostname: try row.decode(column: "hostname", as: String.self),
                              pid: try row.decode(column: "pid", as: Int.self),
                              queues: try row.decode(column: "queues", as: String.self).split(separator: ",").map(String.init),
                              startedAt: try row.decode(column: "started_at", as: Date.self), lastSeenAt: seen,
                              processed: try row.decode(column: "processed", as: Int.self), failed: try row.decode(column: "failed", as: Int.self),
                              alive: now.timeIntervalSince(seen) < staleAfter)
            }
        }
    }

    struct ScheduleState: Encodable, Sendable {
        var name: String
        var trigger: String
        var job: String
        var nextRunAt: Date?
        var lastRunAt: Date?
    }

    func scheduleStates() async throws -> [ScheduleState] {
        let rows = try await database.read { sql in
            try await sql.raw("SELECT name, next_run_ms, last_run_at FROM lintel_schedules").all().reduce(into: [String: (Int64, Date?)]()) {
                $0[try $1.decode(column: "name", as: String.self)] = (try $1.decode(column: "next_run_ms", as: Int64.self), try $1.decode(column: "last_run_at", as: Date?.self))
            }
        }
        return schedules.map { schedule in
            let row = rows[schedule.name]
            return ScheduleState(name: schedule.name, trigger: schedule.trigger.spec, job: schedule.kind,
                                 nextRunAt: row.map { Date(timeIntervalSince1970: Double($0.0) / 1000) }, lastRunAt: row?.1)
        }
    }

    /// Records queue depth, dead letters, subscriber lag and process figures as gauges.
    func recordGauges() async {
        if let depth = try? await jobs.depth() {
            for (queue, states) in depth {
                for state in ["queued", "scheduled", "running", "succeeded", "dead"] {
                    Gauge(label: "lintel_jobs", dimensions: [("queue", queue), ("state", state)]).record(Double(states[state] ?? 0))
                }
            }
        }
        if let subscribers = try? await subscribers() {
            for subscriber in subscribers {
                Gauge(label: "lintel_event_subscriber_lag", dimensions: [("subscriber", subscriber.name)]).record(Double(subscriber.lag))
                Gauge(label: "lintel_event_subscriber_failing", dimensions: [("subscriber", subscriber.name)])
                    .record(subscriber.consecutiveFailures > 0 ? 1 : 0)
                Gauge(label: "lintel_event_set_aside", dimensions: [("subscriber", subscriber.name)]).record(Double(subscriber.setAside))
            }
        }
        if let workers = try? await workers() {
            Gauge(label: "lintel_workers_alive").record(Double(workers.filter(\.alive).count))
        }
        let process = ProcessStats.current()
        Gauge(label: "process_resident_memory_bytes").record(Double(process.residentBytes))
        Gauge(label: "process_virtual_memory_bytes").record(Double(process.virtualBytes))
        Gauge(label: "process_cpu_seconds_total").record(process.cpuSeconds)
        Gauge(label: "process_open_fds").record(Double(process.openFileDescriptors))
        Gauge(label: "process_threads").record(Double(process.threads))
        Gauge(label: "process_uptime_seconds").record(process.uptimeSeconds)
        Gauge(label: "lintel_database_pool_max_connections").record(Double(database.poolSize))
    }
}
