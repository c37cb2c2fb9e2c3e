import FixturePlugins
import Foundation
import Kernel
@testable import LintelTesting
import SQLKit
import Testing

/// Real `lintel worker` processes (the fixture binary) sharing one database.
@Suite("worker processes", .serialized)
struct WorkerProcessTests {
    struct Setup {
        let scratch: ScratchDatabase
        let directory: TemporaryDirectory
        let configPath: String
        let kernel: Kernel
    }

    /// A database, a site.conf for the worker processes, and an in-process kernel (workers off) to enqueue and inspect.
    func setUp(_ jobs: String) async throws -> Setup {
        let scratch = try await ScratchDatabase.make()
        let directory = TemporaryDirectory()
        let base = "database \(scratch.url) { auto_migrate on; busy_timeout 30s }\nlogging { level warning }\nplugin fixture.jobs { }\n"
        let configPath = directory.write("worker.conf", base + "jobs {\n\(jobs)\n}\n")
        let kernel = try await Kernel.boot(try TestSite.load(base + "jobs {\n workers off\n}\n", plugins: [FixtureJobsPlugin.self]), logSink: .capture())
        return Setup(scratch: scratch, directory: directory, configPath: configPath, kernel: kernel)
    }

    func tearDown(_ setup: Setup) async {
        await setup.kernel.shutdown()
        await setup.scratch.drop()
    }

    @Test func aWorkerKilledMidJobLosesNothing() async throws {
        let setup = try await setUp("    lease 3s\n    poll_interval 100ms\n    backoff_base 100ms")
        let kernel = setup.kernel
        let id = try #require(try await kernel.jobs.enqueue("fixture.work", payload: ["seconds": 1.5]))
        let first = try FixtureProcess(["worker", "--config", setup.configPath], logDirectory: setup.directory.path)
        try await eventually("the first worker starts the job") {
            try await kernel.count("SELECT COUNT(*) AS n FROM fixture_runs WHERE finished_at IS NULL") == 1
        }
        first.kill9()
        let second = try FixtureProcess(["worker", "--config", setup.configPath], logDirectory: setup.directory.path)
        try await eventually(timeout: .seconds(30), "the job runs again and succeeds") { try await kernel.jobs.record(id)?.state == .succeeded }
        #expect(second.stop() == 0)
        let record = try #require(try await kernel.jobs.record(id))
        #expect(record.attempts == 2)
        #expect(record.history.count == 1)
        #expect(record.history.first?.error.hasSuffix("stopped during attempt 1: its lease expired") == true)
        #expect(try await kernel.count("SELECT COUNT(*) AS n FROM fixture_runs WHERE finished_at IS NOT NULL") == 1, "exactly one success")
        #expect(try await kernel.count("SELECT COUNT(*) AS n FROM fixture_runs") == 2)
        let workers = try await kernel.strings("SELECT worker FROM fixture_runs ORDER BY started_at", column: "worker")
        #expect(workers == ["\(first.pid)", "\(second.pid)"])
        await tearDown(setup)
    }

    @Test func twoWorkerProcessesNeverRunOneJobTwice() async throws {
        let setup = try await setUp("    concurrency 4\n    poll_interval 100ms")
        let kernel = setup.kernel
        for _ in 0..<60 { try await kernel.jobs.enqueue("fixture.work", payload: ["seconds": 0.05]) }
        let workers = try (0..<2).map { _ in try FixtureProcess(["worker", "--config", setup.configPath], logDirectory: setup.directory.path) }
        try await eventually(timeout: .seconds(60), "all jobs succeed") {
            try await kernel.count("SELECT COUNT(*) AS n FROM lintel_jobs WHERE state = 'succeeded'") == 60
        }
        for worker in workers { #expect(worker.stop() == 0) }
        #expect(try await kernel.count("SELECT COUNT(*) AS n FROM fixture_runs") == 60)
        #expect(try await kernel.count("SELECT COUNT(DISTINCT job_id) AS n FROM fixture_runs") == 60)
        #expect(try await kernel.count("SELECT COUNT(*) AS n FROM lintel_jobs WHERE attempts <> 1") == 0)
        await tearDown(setup)
    }

    @Test func theSchedulerFiresOncePerPeriodAcrossProcesses() async throws {
        let setup = try await setUp("    poll_interval 100ms\n    schedule tick {\n        every 1s\n        job fixture.tick\n    }")
        let kernel = setup.kernel
        let started = ContinuousClock.now
        let workers = try (0..<2).map { _ in try FixtureProcess(["worker", "--config", setup.configPath], logDirectory: setup.directory.path) }
        try await eventually(timeout: .seconds(60), "three ticks ran") {
            try await kernel.count("SELECT COUNT(*) AS n FROM fixture_runs WHERE kind = 'fixture.tick'") >= 3
        }
        for worker in workers { #expect(worker.stop() == 0) }
        let elapsed = Int((ContinuousClock.now - started).components.seconds)
        let ticks = try await kernel.count("SELECT COUNT(*) AS n FROM fixture_runs WHERE kind = 'fixture.tick'")
        let periods = try await kernel.strings("SELECT dedup_key FROM lintel_jobs WHERE kind = 'fixture.tick'", column: "dedup_key")
        // A period enqueued just before the workers stopped may still be waiting: only finished ones ran.
        let ran = try await kernel.strings("SELECT dedup_key FROM lintel_jobs WHERE kind = 'fixture.tick' AND state = 'succeeded'", column: "dedup_key")
        // However slow the machine, the schedulers of two processes never fire more periods than seconds went by.
        #expect(ticks >= 3 && periods.count <= elapsed + 2, "one tick a second: \(ticks) ticks, \(periods.count) periods in \(elapsed) s")
        #expect(Set(periods).count == periods.count, "no period enqueued twice")
        #expect(periods.count - ran.count <= 1, "at most the last period is left waiting")
        #expect(ran.count == ticks, "each period ran exactly once")
        await tearDown(setup)
    }
}
