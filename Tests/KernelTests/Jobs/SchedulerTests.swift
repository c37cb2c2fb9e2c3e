import Foundation
import Kernel
@testable import LintelTesting
import Testing

@Suite("scheduler and cron")
struct SchedulerTests {
    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func cronExpressionsFindTheNextMinute() throws {
        let every15 = try CronExpression("*/15 * * * *")
        #expect(every15.next(after: date("2026-03-01T10:07:30Z")) == date("2026-03-01T10:15:00Z"))
        let nightly = try CronExpression("0 3 * * *")
        #expect(nightly.next(after: date("2026-03-01T03:00:00Z")) == date("2026-03-02T03:00:00Z"))
        let weekdays = try CronExpression("30 9 * * mon-fri")
        #expect(weekdays.next(after: date("2026-03-06T10:00:00Z")) == date("2026-03-09T09:30:00Z"), "Friday after 9:30 → Monday")
        let monthly = try CronExpression("@monthly")
        #expect(monthly.next(after: date("2026-01-31T12:00:00Z")) == date("2026-02-01T00:00:00Z"))
        let leap = try CronExpression("0 0 29 2 *")
        #expect(leap.next(after: date("2026-03-01T00:00:00Z")) == date("2028-02-29T00:00:00Z"))
        let either = try CronExpression("0 0 1 * sun")
        #expect(either.next(after: date("2026-03-02T00:00:00Z")) == date("2026-03-08T00:00:00Z"), "day-of-month OR day-of-week")
        #expect(try CronExpression("0 0 31 2 *").next(after: date("2026-01-01T00:00:00Z")) == nil)
    }

    @Test func badCronExpressionsSayWhy() {
        #expect(throws: CronExpression.ParseError.self) { try CronExpression("* * *") }
        #expect(throws: CronExpression.ParseError.self) { try CronExpression("61 * * * *") }
        #expect(throws: CronExpression.ParseError.self) { try CronExpression("5-1 * * * *") }
        let diagnostics = TestSite.diagnostics("jobs {\n    schedule nightly {\n        cron \"0 25 * * *\"\n        job kernel.maintenance\n    }\n}")
        #expect(diagnostics.first?.message.contains("'25' is not a valid hour (0–23)") == true)
        #expect(diagnostics.first?.position?.line == 3)
        let both = TestSite.diagnostics("jobs {\n    schedule x {\n        cron @daily\n        every 1h\n        job kernel.maintenance\n    }\n}")
        #expect(both.first?.message == "a schedule needs exactly one of 'cron' and 'every'")
    }

    @Test func aScheduleFiresOncePerPeriodAcrossSchedulers() async throws {
        let scratch = try await ScratchDatabase.make()
        let conf = """
            database \(scratch.url) { auto_migrate on; busy_timeout 30s }
            rate_limit { enabled off }
            jobs {
                workers off
                schedule tick {
                    every 1s
                    job test.echo
                    payload "{\\"note\\": \\"tick\\"}"
                }
            }
            plugin test.notes { }
            """
        let first = try await Kernel.boot(try TestSite.load(conf, plugins: [NotesPlugin.self]), logSink: .capture())
        let second = try await Kernel.boot(try TestSite.load(conf, plugins: [NotesPlugin.self]), logSink: .capture())
        // Both kernels run a scheduler against one database; the job queue only records what fired.
        let services = first.backgroundServices().suffix(1) + second.backgroundServices().suffix(1)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            try await eventually("two periods fire") {
                try await first.count("SELECT COUNT(*) AS n FROM lintel_jobs WHERE kind = 'test.echo'") >= 2
            }
            group.cancelAll()
        }
        let elapsed = (ContinuousClock.now - started).components.seconds
        let keys = try await first.strings("SELECT dedup_key FROM lintel_jobs WHERE kind = 'test.echo' ORDER BY dedup_key", column: "dedup_key")
        // However slow the machine, two schedulers never fire more periods than seconds went by.
        #expect(keys.count >= 2 && keys.count <= Int(elapsed) + 2, "one run a second: \(keys) in \(elapsed) s")
        #expect(Set(keys).count == keys.count, "no period fired twice")
        await first.shutdown()
        await second.shutdown()
        await scratch.drop()
    }

    @Test func aScheduleNamingAnUnknownJobStopsTheBoot() async throws {
        let scratch = try await ScratchDatabase.make()
        let conf = "database \(scratch.url) { auto_migrate on; busy_timeout 30s }\njobs {\n    schedule x {\n        every 1h\n        job nobody.runs\n    }\n}"
        await #expect {
            _ = try await Kernel.boot(try TestSite.load(conf), logSink: .capture())
        } throws: { error in
            "\(error)".hasPrefix("schedule 'x' enqueues 'nobody.runs', which no enabled plugin runs")
        }
        await scratch.drop()
    }
}
