import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// `GET /api/v1/admin/alerts`: conditions derived when asked, gone when they clear.
@Suite("alerts")
struct AlertTests {
    @Test func deadLetteredJobsAreACriticalAlertUntilRetriedOrDiscarded() async throws {
        try await TenancyWorld.with { kernel, client, world in
            #expect(try await client.expect(.ok, .get, "/api/v1/admin/alerts", token: world.admin.token).json["count"] == 0)
            let job = UUID()
            try await kernel.database.transaction { sql in
                try await sql.raw("""
                    INSERT INTO lintel_jobs (id, kind, queue, payload, state, run_at, attempts, max_attempts, last_error, created_at, finished_at)
                    VALUES (\(bind: job), 'mail.send', 'mail', '{}', 'dead', \(bind: Date()), 10, 10, 'SMTP refused', \(bind: Date()), \(bind: Date()))
                    """).run()
            }
            let alerts = try await client.expect(.ok, .get, "/api/v1/admin/alerts", token: world.support.token).json
            #expect(alerts["count"] == 1)
            let alert = try #require(alerts["results"]?.arrayValue?.first)
            #expect(alert["id"] == "jobs.dead:mail")
            #expect(alert["severity"] == "critical")
            #expect(alert["source"] == "kernel")
            #expect(alert["link"] == "/api/v1/admin/jobs/dead?queue=mail")
            #expect(alert["since"]?.stringValue != nil)
            #expect(alert["detail"]?.stringValue?.contains("1 job of queue mail") == true)
            #expect(try await client.expect(.ok, .get, "/api/v1/admin/alerts?severity=warning", token: world.admin.token).json["count"] == 0)
            try await client.expect(.unprocessableContent, .get, "/api/v1/admin/alerts?severity=loud", token: world.admin.token)
            try await client.expect(.forbidden, .get, "/api/v1/admin/alerts", token: world.a.orgAdmin.token)
            try await client.expect(.noContent, .delete, "/api/v1/admin/jobs/\(job.uuidString.lowercased())", token: world.admin.token)
            #expect(try await client.expect(.ok, .get, "/api/v1/admin/alerts", token: world.admin.token).json["count"] == 0)
        }
    }
}
