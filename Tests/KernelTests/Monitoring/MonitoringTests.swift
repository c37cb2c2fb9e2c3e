import Foundation
import HTTPTypes
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import NIOCore
import Testing

@Suite("metrics and monitoring")
struct MonitoringTests {
    static let conf = "jobs { poll_interval 100ms }\nplugin test.notes { }\nplugin test.roles { }\n"
    static let plugins: [any Plugin.Type] = [NotesPlugin.self, RoleTokensPlugin.self]

    /// Parses Prometheus text with the reference Python parser (prometheus_client) and returns family names.
    func parsePrometheus(_ text: String) async throws -> [String] {
        let directory = TemporaryDirectory()
        let file = directory.write("metrics.txt", text)
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                print(family.name, family.type, len(family.samples))
            """
        let output = try await Shell.run(SMTPSink.python, "-c", script, file)
        return output.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
    }

    @Test func theMetricsPageIsValidPrometheusText() async throws {
        try await TestSite.withKernel(Self.conf, plugins: Self.plugins) { kernel, client in
            _ = try await client.execute(uri: "/healthz", method: .get)
            _ = try await client.execute(uri: "/api/v1/nothing", method: .get)
            try await kernel.jobs.enqueue("test.echo", payload: ["note": "m"])
            let response = try await client.execute(uri: "/api/v1/monitoring/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let families = try await parsePrometheus(response.text)
            for name in ["http_requests", "http_request_duration_seconds", "http_requests_in_flight", "lintel_jobs",
                         "process_resident_memory_bytes", "process_cpu_seconds_total", "process_uptime_seconds", "lintel_database_pool_max_connections",
                         "lintel_database_connections_in_use"] {
                #expect(families.contains(name), "missing \(name)")
            }
            #expect(response.text.contains(#"route="/healthz""#))
            #expect(response.text.contains(#"route="unmatched""#))
            let json = try await client.execute(uri: "/api/v1/monitoring/metrics/json", method: .get).json
            #expect(json["http_requests_total"]?["type"] == "counter")
            #expect(json["lintel_jobs"]?["samples"]?.arrayValue?.isEmpty == false)
        }
    }

    @Test func queuesTasksAndWorkersAreReported() async throws {
        try await TestSite.withKernel(Self.conf, plugins: Self.plugins) { kernel, client in
            try await kernel.jobs.enqueue("test.fail")
            try await eventually("the worker registers") {
                try await client.execute(uri: "/api/v1/monitoring/workers/health", method: .get).status == .ok
            }
            let queues = try await client.execute(uri: "/api/v1/monitoring/queues", method: .get).json
            let names = queues["queues"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names.contains("default") && names.contains("mail") && names.contains("dlq"))
            #expect(queues["subscribers"]?.arrayValue?.compactMap { $0["name"]?.stringValue }.sorted() == ["test.flaky", "test.recorder"])
            let tasks = try await client.execute(uri: "/api/v1/monitoring/tasks", method: .get).json
            let kinds = tasks["tasks"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(kinds.contains("test.echo") && kinds.contains("mail.send") && kinds.contains("kernel.maintenance"))
            #expect(tasks["schedules"]?.arrayValue?.first?["name"] == "kernel.maintenance")
            for path in ["/api/v1/monitoring/workers/stats", "/api/v1/monitoring/celery/stats"] {
                let stats = try await client.execute(uri: path, method: .get).json
                #expect(stats["workers"]?.arrayValue?.first?["alive"] == true)
            }
            let health = try await client.execute(uri: "/api/v1/monitoring/celery/health", method: .get)
            #expect(health.json["status"] == "healthy")
        }
    }

    @Test func workerHealthIs503WithoutWorkers() async throws {
        try await TestSite.withKernel("jobs { workers off }") { _, client in
            let response = try await client.execute(uri: "/api/v1/monitoring/workers/health", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(response.json["detail"] == "No job worker is running.")
        }
    }

    @Test func overviewAndServerAreForAdminsOnly() async throws {
        try await TestSite.withKernel(Self.conf, plugins: Self.plugins) { _, client in
            for path in ["/api/v1/monitoring/overview", "/api/v1/monitoring/server"] {
                #expect(try await client.execute(uri: path, method: .get).status == .unauthorized)
                let user = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer role_user_bob"])
                #expect(user.status == .forbidden)
                let admin = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer role_platform_admin_ada"])
                #expect(admin.status == .ok)
            }
            let overview = try await client.execute(uri: "/api/v1/monitoring/overview", method: .get, headers: [.authorization: "Bearer role_platform_admin_ada"]).json
            #expect(overview["version"] == .string(Kernel.version))
            #expect(overview["plugins"] == ["test.notes", "test.roles"])
            let server = try await client.execute(uri: "/api/v1/monitoring/server", method: .get, headers: [.authorization: "Bearer role_platform_admin_ada"]).json
            #expect((server["process"]?["resident_memory_bytes"].flatMap { if case .int(let n) = $0 { n } else { nil } } ?? 0) > 0)
            #expect((server["host"]?["cpus"].flatMap { if case .int(let n) = $0 { n } else { nil } } ?? 0) > 0)
        }
    }
}
