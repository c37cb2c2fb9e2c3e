import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// `authorization { engine cerbos <url> }`: decisions come from a Cerbos PDP over HTTP. The peer here is
/// Lintel's own `pdp` listener (which speaks Cerbos's API, checked against Cerbos's Python SDK in
/// PDPTests) or, for failure modes, a small HTTP server that answers in Cerbos's wire format.
@Suite("remote Cerbos engine")
struct RemoteCerbosTests {
    static let plugins: [any Plugin.Type] = [RoleTokensPlugin.self, TenancyProbePlugin.self]
    static let member: HTTPFields = [.authorization: "Bearer role_user_bob", HTTPField.Name("X-Test-Org")!: "acme"]

    /// A generous timeout unless a test is about timeouts: a loaded CI machine must not turn into denials.
    static func conf(port: Int, timeout: String = "5s", extra: String = "") -> String {
        "plugin test.roles { }\nplugin test.tenancy { }\nauthorization {\n    engine cerbos http://127.0.0.1:\(port)\n    timeout \(timeout)\n\(extra)}\n"
    }

    @Test func decisionsComeFromTheRemotePDP() async throws {
        try await PDPTests.withPDP(try PDPTests.engine()) { pdp in
            let port = try #require(pdp.port)
            try await TestSite.withKernel(Self.conf(port: port), plugins: Self.plugins) { _, client in
                #expect(try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .get, headers: Self.member).status == .ok)
                #expect(try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .patch, headers: Self.member).status == .forbidden)
                #expect(try await client.execute(uri: "/api/v1/probe/orgs/globex", method: .get, headers: Self.member).status == .notFound)
                let ready = try await client.execute(uri: "/api/v1/health/ready", method: .get)
                #expect(ready.status == .ok)
                #expect(ready.json["checks"]?["cerbos"]?["status"] == "ok")
            }
        }
    }

    @Test func anUnreachablePDPDeniesEverything() async throws {
        let logs = LogSink.capture()
        // Nothing listens on port 9 (discard) here: the connection is refused.
        try await TestSite.withKernel(Self.conf(port: 9), plugins: Self.plugins, logs: logs) { _, client in
            let platform: HTTPFields = [.authorization: "Bearer role_platform_admin_ada"]
            let response = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .get, headers: platform)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/problem+json")
            let ready = try await client.execute(uri: "/api/v1/health/ready", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.json["checks"]?["cerbos"]?["status"] == "failing")
        }
        #expect(logs.captured.contains { $0.contains("Cerbos check failed; denying") })
    }

    /// A Cerbos stand-in that allows every action, counts checks, and can be made slow.
    struct FakeCerbos: HTTPResponder {
        typealias Context = BasicRequestContext
        final class Hits: Sendable {
            let count = Atomic<Int>(0)
            var value: Int { count.load(ordering: .relaxed) }
        }
        let hits = Hits()
        let delay: Duration

        func respond(to request: Request, context: Context) async throws -> Response {
            hits.count.add(1, ordering: .relaxed)
            try await Task.sleep(for: delay)
            let body = try await request.body.collect(upTo: 1 << 20)
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
            var results: [JSONValue] = []
            for item in json["resources"]?.arrayValue ?? [] {
                var actions: [String: JSONValue] = [:]
                for action in item["actions"]?.arrayValue ?? [] { actions[action.stringValue ?? ""] = "EFFECT_ALLOW" }
                results.append(["resource": ["id": item["resource"]?["id"] ?? "", "kind": item["resource"]?["kind"] ?? ""], "actions": .object(actions),
                                "meta": ["actions": .object(actions.mapValues { _ in ["matchedPolicy": "resource.fake.vdefault"] })]])
            }
            let answer: JSONValue = ["requestId": json["requestId"] ?? "", "results": .array(results), "cerbosCallId": "01HHENANTHFD5DV3HZGDKB87PJ"]
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer.jsonString())))
        }
    }

    static func withFake<T: Sendable>(delay: Duration = .zero, _ body: @escaping @Sendable (Int, FakeCerbos) async throws -> T) async throws -> T {
        let fake = FakeCerbos(delay: delay)
        let app = Application(responder: fake, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: Logger(label: "fake-cerbos"))
        return try await app.test(.live) { client in try await body(try #require(client.port), fake) }
    }

    @Test func aSlowPDPTimesOutAndDenies() async throws {
        try await Self.withFake(delay: .seconds(3)) { port, _ in
            try await TestSite.withKernel(Self.conf(port: port, timeout: "500ms"), plugins: Self.plugins) { _, client in
                // The fake would allow after 3 s; a denial means the check gave up waiting.
                let response = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .get, headers: Self.member)
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func cacheTTLReusesIdenticalDecisions() async throws {
        try await Self.withFake { port, fake in
            try await TestSite.withKernel(Self.conf(port: port, extra: "    cache_ttl 30s\n"), plugins: Self.plugins) { _, client in
                for _ in 0..<3 {
                    let status = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .patch, headers: Self.member).status
                    #expect(status == .ok)
                }
                #expect(fake.hits.value == 1)
                // A different principal is a different question.
                let other: HTTPFields = [.authorization: "Bearer role_user_eve", HTTPField.Name("X-Test-Org")!: "acme"]
                let status = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .patch, headers: other).status
                #expect(status == .ok)
                #expect(fake.hits.value == 2)
            }
        }
        try await Self.withFake { port, fake in
            try await TestSite.withKernel(Self.conf(port: port), plugins: Self.plugins) { _, client in
                for _ in 0..<3 {
                    _ = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .patch, headers: Self.member)
                }
                #expect(fake.hits.value == 3)
            }
        }
    }
}
