import Foundation
import Kernel
import SQLKit

/// `fixture.jobs`: job kinds for tests that run real `lintel worker` processes (the fixture binary
/// compiles this plugin in; the production binary does not).
public struct FixtureJobsPlugin: Plugin {
    public static let id: PluginID = "fixture.jobs"
    public static let summary = "Jobs that record when and where they ran (test fixture)."
    public static let migrations = [
        Migration("0001_fixture_runs", sql: """
            CREATE TABLE fixture_runs (
                job_id UUID NOT NULL,
                kind TEXT NOT NULL,
                worker TEXT NOT NULL,
                started_at DOUBLE PRECISION NOT NULL,
                finished_at DOUBLE PRECISION
            )
            """),
    ]

    public init(settings: NoSettings, context: PluginContext) async throws {}

    public func jobs() -> [JobDefinition] {
        [
            JobDefinition("fixture.work", timeout: .seconds(60)) { job, context in
                let seconds = job.payload["seconds"].flatMap { value -> Double? in
                    switch value { case .double(let d): d; case .int(let i): Double(i); default: nil }
                } ?? 0
                let worker = "\(ProcessInfo.processInfo.processIdentifier)"
                let started = Date().timeIntervalSince1970
                try await context.database.transaction { sql in
                    try await sql.raw("""
                        INSERT INTO fixture_runs (job_id, kind, worker, started_at) VALUES (\(bind: job.id), 'fixture.work', \(bind: worker), \(bind: started))
                        """).run()
                }
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                try await context.database.transaction { sql in
                    try await sql.raw("""
                        UPDATE fixture_runs SET finished_at = \(bind: Date().timeIntervalSince1970)
                        WHERE job_id = \(bind: job.id) AND worker = \(bind: worker) AND started_at = \(bind: started)
                        """).run()
                }
            },
            JobDefinition("fixture.tick") { job, context in
                try await context.database.transaction { sql in
                    try await sql.raw("""
                        INSERT INTO fixture_runs (job_id, kind, worker, started_at, finished_at)
                        VALUES (\(bind: job.id), 'fixture.tick', \(bind: "\(ProcessInfo.processInfo.processIdentifier)"), \(bind: Date().timeIntervalSince1970), \(bind: Date().timeIntervalSince1970))
                        """).run()
                }
            },
        ]
    }
}
