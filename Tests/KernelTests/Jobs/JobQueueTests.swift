import Foundation
import HTTPTypes
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import NIOCore
import SQLKit
import Testing

@Suite("jobs: queue, retries, dead letters, leases")
struct JobQueueTests {
    static let fast = "jobs {\n    backoff_base 10ms\n    backoff_max 20ms\n    poll_interval 100ms\n}\nplugin test.notes { }\nplugin test.roles { }\n"
    static let plugins: [any Plugin.Type] = [NotesPlugin.self, RoleTokensPlugin.self]

    @Test func anEnqueuedJobRunsOnceAndIsRecordedAsSucceeded() async throws {
        try await TestSite.withKernel(Self.fast, plugins: Self.plugins) { kernel, _ in
            let id = try #require(try await kernel.jobs.enqueue("test.echo", payload: ["note": "hello"]))
            try await eventually("the job succeeds") { try await kernel.jobs.record(id)?.state == .succeeded }
            #expect(try await kernel.strings("SELECT note FROM job_runs", column: "note") == ["hello"])
            let record = try #require(try await kernel.jobs.record(id))
            #expect(record.attempts == 1)
            #expect(record.history.isEmpty)
        }
    }

    @Test func aDuplicateDedupKeyIsANoOpWhileTheFirstIsPending() async throws {
        try await TestSite.withKernel("jobs { workers off }\nplugin test.notes { }", plugins: [NotesPlugin.self]) { kernel, _ in
            let first = try await kernel.jobs.enqueue("test.echo", payload: ["note": "a"], dedupKey: "once")
            let second = try await kernel.jobs.enqueue("test.echo", payload: ["note": "b"], dedupKey: "once")
            #expect(first != nil)
            #expect(second == nil)
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM lintel_jobs WHERE kind = 'test.echo'") == 1)
        }
    }

    @Test func anUnknownKindIsRefused() async throws {
        _ = try await TestSite.withKernel("jobs { workers off }") { kernel, _ in
            await #expect(throws: JobQueue.Failure.self) { try await kernel.jobs.enqueue("nobody.runs.this") }
        }
    }

    @Test func aFailingJobIsRetriedThenDeadLetteredWithItsHistory() async throws {
        try await TestSite.withKernel(Self.fast, plugins: Self.plugins) { kernel, client in
            let id = try #require(try await kernel.jobs.enqueue("test.fail"))
            try await eventually("the job is dead-lettered") { try await kernel.jobs.record(id)?.state == .dead }
            let record = try #require(try await kernel.jobs.record(id))
            #expect(record.attempts == 3)
            #expect(record.history.map(\.attempt) == [1, 2, 3])
            #expect(record.history.allSatisfy { $0.error == "this job always fails" && $0.worker != nil })
            #expect(record.lastError == "this job always fails")

            let admin: HTTPFields = [.authorization: "Bearer role_platform_admin_ada"]
            let list = try await client.execute(uri: "/api/v1/admin/jobs/dead", method: .get, headers: admin)
            #expect(list.status == .ok)
            #expect(list.json["count"] == 1)
            #expect(list.json["results"]?.arrayValue?.first?["id"]?.stringValue?.lowercased() == id.lowercasedString)
            #expect(list.json["results"]?.arrayValue?.first?["history"]?.arrayValue?.count == 3)

            let retried = try await client.execute(uri: "/api/v1/admin/jobs/\(id.lowercasedString)/retry", method: .post, headers: admin)
            #expect(retried.status == .ok)
            #expect(retried.json["attempts"] == 0)
            try await eventually("the retried job dies again") { try await kernel.jobs.record(id)?.state == .dead }
            #expect(try await kernel.jobs.record(id)?.history.count == 6, "the history keeps every attempt")

            let discarded = try await client.execute(uri: "/api/v1/admin/jobs/\(id.lowercasedString)", method: .delete, headers: admin)
            #expect(discarded.status == .noContent)
            #expect(try await kernel.jobs.record(id) == nil)
            let again = try await client.execute(uri: "/api/v1/admin/jobs/\(id.lowercasedString)", method: .delete, headers: admin)
            #expect(again.status == .notFound)
        }
    }

    @Test func retryAllRequeuesEveryDeadJob() async throws {
        try await TestSite.withKernel(Self.fast, plugins: Self.plugins) { kernel, client in
            let ids = try await [kernel.jobs.enqueue("test.fail"), kernel.jobs.enqueue("test.fail")].compactMap { $0 }
            try await eventually("both are dead") { try await kernel.count("SELECT COUNT(*) AS n FROM lintel_jobs WHERE state = 'dead'") == 2 }
            let response = try await client.execute(uri: "/api/v1/admin/jobs/retry", method: .post,
                                                    headers: [.authorization: "Bearer role_platform_admin_ada", .contentType: "application/json"],
                                                    body: ByteBuffer(string: "{}"))
            #expect(response.json == ["retried": 2])
            for id in ids {
                try await eventually("each retried job ran its attempts again") { try await kernel.jobs.record(id)?.history.count == 6 }
            }
        }
    }

    @Test func deadLetterOperationsAreDeniedWithoutAPolicyAllowingThem() async throws {
        try await TestSite.withKernel(Self.fast, plugins: Self.plugins) { _, client in
            let anonymous = try await client.execute(uri: "/api/v1/admin/jobs/dead", method: .get)
            #expect(anonymous.status == .unauthorized)
            let user = try await client.execute(uri: "/api/v1/admin/jobs/dead", method: .get, headers: [.authorization: "Bearer role_user_bob"])
            #expect(user.status == .forbidden)
            #expect(user.json["detail"] == "You may not list this job.")
            // Support staff may look but not touch.
            let support: HTTPFields = [.authorization: "Bearer role_support_readonly_sam"]
            #expect(try await client.execute(uri: "/api/v1/admin/jobs/dead", method: .get, headers: support).status == .ok)
            let retry = try await client.execute(uri: "/api/v1/admin/jobs/retry", method: .post,
                                                 headers: [.authorization: "Bearer role_support_readonly_sam", .contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(retry.status == .forbidden)
            #expect(retry.json["detail"] == "You may not manage this job.")
        }
        // A principal with only the user role gets nothing from the policies.
        try await TestSite.withKernel("plugin test.token { }", plugins: [TokenPlugin.self]) { _, client in
            let response = try await client.execute(uri: "/api/v1/admin/jobs/dead", method: .get, headers: [.authorization: "Bearer tok_root"])
            #expect(response.status == .forbidden)
        }
    }

    /// A job that ends before its worker has recorded it as running must still free its slot: one leaked
    /// slot stops a one-slot worker for good (it happened under CPU contention).
    @Test func aOneSlotWorkerRunsManyJobsBackToBack() async throws {
        let conf = "jobs {\n    concurrency 1\n    poll_interval 1h\n}\nplugin test.notes { }\nplugin test.roles { }\n"
        try await TestSite.withKernel(conf, plugins: Self.plugins) { kernel, _ in
            try await kernel.database.transaction { sql in
                for index in 0..<200 { try await kernel.jobs.enqueue("test.echo", payload: ["note": .string("n\(index)")], in: sql) }
            }
            // The worker never polls within the test: each job is claimed because the last one ended.
            try await eventually("every job succeeds") { try await kernel.count("SELECT COUNT(*) AS n FROM lintel_jobs WHERE state = 'succeeded'") == 200 }
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM job_runs") == 200)
        }
    }

    @Test func aJobWhoseWorkerStoppedRunsAgainAfterItsLeaseExpires() async throws {
        try await TestSite.withKernel(Self.fast, plugins: Self.plugins) { kernel, _ in
            let id = UUID.v7()
            let past = Date().addingTimeInterval(-60)
            try await kernel.database.transaction { sql in
                try await sql.raw("""
                    INSERT INTO lintel_jobs (id, kind, queue, payload, state, priority, run_at, attempts, max_attempts, history, leased_by, lease_until, created_at, started_at)
                    VALUES (\(bind: id), 'test.echo', 'default', '{"note":"orphan"}', 'running', 0, \(bind: past), 1, 5, '[]', 'ghost:1:dead', \(bind: past), \(bind: past), \(bind: past))
                    """).run()
            }
            try await eventually("the orphaned job completes") { try await kernel.jobs.record(id)?.state == .succeeded }
            let record = try #require(try await kernel.jobs.record(id))
            #expect(record.attempts == 2)
            #expect(record.history.count == 1)
            #expect(record.history.first?.error == "worker ghost:1:dead stopped during attempt 1: its lease expired")
            #expect(try await kernel.strings("SELECT note FROM job_runs", column: "note") == ["orphan"])
        }
    }
}

extension JobRecord: Equatable {
    public static func == (a: JobRecord, b: JobRecord) -> Bool { a.id == b.id && a.state == b.state && a.attempts == b.attempts }
}
