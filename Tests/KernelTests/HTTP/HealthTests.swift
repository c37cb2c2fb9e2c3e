import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Logging
import Testing

@Suite("health and readiness")
struct HealthTests {
    @Test func livenessAnswersWithoutTouchingAnything() async throws {
        try await TestSite.withKernel { _, client in
            for path in ["/healthz", "/api/v1/health/live"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.json == ["status": "ok"])
                }
            }
        }
    }

    @Test func readinessChecksTheDatabaseAndEveryPlugin() async throws {
        try await TestSite.withKernel("plugin test.greeter { greeting hi }", plugins: [GreeterPlugin.self]) { _, client in
            try await client.execute(uri: "/api/v1/health/ready", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json["status"] == "ready")
                #expect(response.json["checks"]?["database"]?["status"] == "ok")
                #expect(response.json["checks"]?["greeter"]?["status"] == "ok")
            }
        }
    }

    @Test func aFailingPluginCheckMakesTheServiceUnready() async throws {
        try await TestSite.withKernel("plugin test.greeter { greeting hi\n healthy off }", plugins: [GreeterPlugin.self]) { _, client in
            try await client.execute(uri: "/api/v1/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.json["detail"] == "Failing: greeter.")
                #expect(response.json["checks"]?["greeter"]?["status"] == "failing")
                #expect(response.json["checks"]?["greeter"]?["error"] == "the greeter is unwell")
                #expect(response.json["checks"]?["database"]?["status"] == "ok")
            }
        }
    }

    @Test func readinessIs503WhilePostgreSQLIsStopped() async throws {
        let server = TemporaryDirectory()
        let url = try await Shell.run(Repository.root + "/scripts/postgres.sh", "start", server.path + "/pg").trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? Shell.runBlocking([Repository.root + "/scripts/postgres.sh", "stop", server.path + "/pg"]) }
        // Long enough for a first connection on a loaded machine; readiness has its own 2 s limit per check.
        let configuration = try TestSite.load("database \(url) { auto_migrate on\n connect_timeout 10s }")
        let kernel = try await Kernel.boot(configuration, logSink: .capture())
        try await kernel.makeApplication().test(.router) { client in
            // Ready while the server is up: on a loaded machine one probe may exceed its 2 s limit, so the
            // probe is repeated until it answers 200.
            try await eventually("ready while PostgreSQL is up") {
                try await client.execute(uri: "/api/v1/health/ready", method: .get).status == .ok
            }
            _ = try await Shell.run(Repository.root + "/scripts/postgres.sh", "stop", server.path + "/pg")
            try await client.execute(uri: "/api/v1/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.json["checks"]?["database"]?["status"] == "failing")
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
        await kernel.shutdown()
    }
}
