import Foundation
import SQLKit

/// The Kernel's housekeeping job, scheduled hourly: drops succeeded jobs and delivered events past their
/// retention, spent rate-limit entries and workers gone for a day.
enum Maintenance {
    static let kind = "kernel.maintenance"

    static func definition(jobs: JobsSettings, events: EventsSettings, subscribers: [String]) -> JobDefinition {
        JobDefinition(kind, queue: "default", maxAttempts: 3, timeout: .seconds(600)) { _, context in
            let now = Date()
            try await context.database.transaction { sql in
                try await sql.raw("""
                    DELETE FROM lintel_jobs WHERE state = 'succeeded' AND finished_at < \(bind: now.addingTimeInterval(-jobs.retention.timeInterval))
                    """).run()
                try await sql.raw("DELETE FROM lintel_rate_limits WHERE tat < \(bind: now.timeIntervalSince1970)").run()
                try await sql.raw("DELETE FROM lintel_workers WHERE last_seen_at < \(bind: now.addingTimeInterval(-86_400))").run()
                // An event leaves the outbox once it is old enough and every current subscriber is past it.
                var delivered: Int64 = .max
                if !subscribers.isEmpty {
                    delivered = try await sql.raw("SELECT MIN(last_seq) AS low FROM lintel_event_cursors WHERE subscriber IN (\(binds: subscribers))")
                        .first()?.decode(column: "low", as: Int64?.self) ?? 0
                }
                try await sql.raw("""
                    DELETE FROM lintel_events WHERE occurred_at < \(bind: now.addingTimeInterval(-events.retention.timeInterval)) AND seq <= \(bind: delivered)
                    """).run()
            }
        }
    }

    static let schedule = Schedule(kind, .every(.seconds(3600)), kind: kind)
}
