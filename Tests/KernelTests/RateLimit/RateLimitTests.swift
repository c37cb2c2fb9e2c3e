import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Kernel
@testable import LintelTesting
import NIOCore
import Testing

@Suite("rate limiting")
struct RateLimitTests {
    @Test func gcraAllowsABurstThenSpacesRequestsEvenly() {
        let limit = RateLimit(limit: 3, period: .seconds(60))
        var tat: Double?
        var decisions: [RateLimitDecision] = []
        for _ in 0..<4 {
            let (decision, next) = GCRA.decide(tat: tat, now: 1000, limit: limit, cost: 1)
            decisions.append(decision)
            tat = next
        }
        #expect(decisions.map(\.allowed) == [true, true, true, false])
        #expect(decisions.map(\.remaining) == [2, 1, 0, 0])
        #expect(abs(decisions[3].retryAfter - 20) < 0.001, "one request is earned back every 20 s")
        #expect(abs(decisions[2].resetAfter - 60) < 0.001)
        #expect(GCRA.decide(tat: tat, now: 1020, limit: limit, cost: 1).decision.allowed)
        #expect(!GCRA.decide(tat: tat, now: 1019, limit: limit, cost: 1).decision.allowed, "no fixed-window edge")
        #expect(!GCRA.decide(tat: nil, now: 0, limit: limit, cost: 4).decision.allowed, "a cost above the limit never passes")
    }

    @Test func ratesParseAndRender() throws {
        #expect(try RateLimit.parse(configText: "100/hour").get() == RateLimit(limit: 100, period: .seconds(3600)))
        #expect(try RateLimit.parse(configText: "5/15m").get() == RateLimit(limit: 5, period: .seconds(900)))
        #expect(try RateLimit.parse(configText: "off").get().isOff)
        #expect(RateLimit(limit: 1000, period: .seconds(86_400)).configDescription == "1000/day")
        let diagnostics = TestSite.diagnostics("rate_limit { anonymous 100/fortnight }")
        #expect(diagnostics.first?.message == "'100/fortnight' is not valid for 'anonymous': unknown period 'fortnight'")
    }

    func limited(_ store: String) -> String {
        "rate_limit {\n    anonymous 3/hour\n    user 2/hour\n    store \(store)\n}\nplugin test.token { }\nplugin test.greeter { greeting hi }\n"
    }

    @Test(arguments: ["memory", "database"])
    func anonymousClientsGet429WithRetryAfterAndHeaders(store: String) async throws {
        try await TestSite.withKernel(limited(store), plugins: [TokenPlugin.self, GreeterPlugin.self]) { _, client in
            let started = ContinuousClock.now
            for expected in [2, 1, 0] {
                let response = try await client.execute(uri: "/api/v1/greeter", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("RateLimit-Limit")!] == "3")
                #expect(response.headers[HTTPField.Name("RateLimit-Remaining")!] == String(expected))
            }
            let refused = try await client.execute(uri: "/api/v1/greeter", method: .get)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.contentType] == "application/problem+json")
            // 3/hour frees one request every 1200 s, counted from the first request: what a slow run used is gone.
            let used = Int((ContinuousClock.now - started).components.seconds)
            let retryAfter = Int(refused.headers[.retryAfter] ?? "") ?? 0
            #expect(retryAfter <= 1200 && retryAfter >= 1200 - used - 1, "Retry-After \(retryAfter) after \(used) s")
            #expect(refused.json["type"] == "tag:lintel.dev,2026:problems/rate-limited")
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok, "probes are never limited")
            #expect(try await client.execute(uri: "/api/v1/health/ready", method: .get).status == .ok)
            // An authenticated principal has its own budget.
            let user = try await client.execute(uri: "/api/v1/greeter/private", method: .get, headers: [.authorization: "Bearer tok_ada"])
            #expect(user.status == .ok)
            #expect(user.headers[HTTPField.Name("RateLimit-Limit")!] == "2")
        }
    }

    @Test(arguments: ["memory", "database"])
    func principalsAreLimitedByTheirOwnBudget(store: String) async throws {
        try await TestSite.withKernel(limited(store), plugins: [TokenPlugin.self, GreeterPlugin.self]) { _, client in
            for _ in 0..<2 {
                #expect(try await client.execute(uri: "/api/v1/greeter/private", method: .get, headers: [.authorization: "Bearer tok_ada"]).status == .ok)
            }
            let refused = try await client.execute(uri: "/api/v1/greeter/private", method: .get, headers: [.authorization: "Bearer tok_ada"])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.json["detail"]?.stringValue?.contains("for this user") == true)
            #expect(try await client.execute(uri: "/api/v1/greeter/private", method: .get, headers: [.authorization: "Bearer tok_bob"]).status == .ok)
        }
    }

    @Test func failedAuthenticationsSpendTheClientsBudget() async throws {
        try await TestSite.withKernel(limited("memory"), plugins: [TokenPlugin.self, GreeterPlugin.self]) { _, client in
            for _ in 0..<3 {
                let response = try await client.execute(uri: "/api/v1/greeter/private", method: .get, headers: [.authorization: "Bearer guessed-token"])
                #expect(response.status == .unauthorized)
            }
            let refused = try await client.execute(uri: "/api/v1/greeter/private", method: .get, headers: [.authorization: "Bearer guessed-token"])
            #expect(refused.status == .tooManyRequests)
        }
    }

    @Test func theClientAddressComesFromTrustedProxiesOnly() throws {
        let trusted = [IPAddressRange("10.0.0.0/8")!, IPAddressRange("::1")!]
        func request(_ forwarded: String?) -> Request {
            var fields = HTTPFields()
            if let forwarded { fields[HTTPField.Name("X-Forwarded-For")!] = forwarded }
            return Request(head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/", headerFields: fields), body: .init(buffer: ByteBuffer()))
        }
        let proxy = try SocketAddress(ipAddress: "10.1.2.3", port: 1)
        let stranger = try SocketAddress(ipAddress: "203.0.113.9", port: 1)
        #expect(ClientAddress.resolve(request("198.51.100.7, 10.0.0.5"), peer: proxy, trusted: trusted) == "198.51.100.7")
        #expect(ClientAddress.resolve(request("198.51.100.7"), peer: stranger, trusted: trusted) == "203.0.113.9", "an untrusted peer cannot claim another address")
        #expect(ClientAddress.resolve(request(nil), peer: proxy, trusted: trusted) == "10.1.2.3")
        #expect(ClientAddress.resolve(request("garbage, 198.51.100.7"), peer: proxy, trusted: trusted) == "198.51.100.7")
        #expect(IPAddressRange("2001:db8::/32")!.contains(IPAddress("2001:db8::1")!))
        #expect(!IPAddressRange("2001:db8::/32")!.contains(IPAddress("2001:db9::1")!))
        #expect(IPAddressRange("192.168.0.0/16")!.contains(IPAddress("::ffff:192.168.4.2")!))
    }
}
