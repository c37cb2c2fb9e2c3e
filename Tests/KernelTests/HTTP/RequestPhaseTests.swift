import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Kernel
@testable import LintelTesting
import NIOCore
import Testing

@Suite("request phases: request id, CORS, security headers, access log")
struct RequestPhaseTests {
    @Test func wellFormedRequestIDsAreEchoedOthersReplaced() async throws {
        try await TestSite.withKernel { _, client in
            try await client.execute(uri: "/healthz", method: .get, headers: [.requestID: "client-abc.123"]) { response in
                #expect(response.headers[.requestID] == "client-abc.123")
            }
            try await client.execute(uri: "/healthz", method: .get, headers: [.requestID: "bad id\twith spaces"]) { response in
                let id = try #require(response.headers[.requestID])
                #expect(id != "bad id\twith spaces")
                #expect(UUID(uuidString: id) != nil)
            }
        }
    }

    @Test func corsAllowsConfiguredOriginsOnly() async throws {
        try await TestSite.withKernel("cors { allowed_origins https://app.example.com }") { _, client in
            try await client.execute(uri: "/healthz", method: .get, headers: [.origin: "https://app.example.com"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "https://app.example.com")
                #expect(response.headers[.accessControlExposeHeaders]?.contains("X-Request-ID") == true)
                #expect(response.headers[values: .vary].contains("Origin"))
            }
            try await client.execute(uri: "/healthz", method: .get, headers: [.origin: "https://evil.example.com"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
            let preflight: HTTPFields = [.origin: "https://app.example.com", .accessControlRequestMethod: "POST",
                                         .accessControlRequestHeaders: "authorization, content-type"]
            try await client.execute(uri: "/api/v1/health/ready", method: .options, headers: preflight) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
                #expect(response.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
                #expect(response.headers[.accessControlMaxAge] == "600")
            }
            var foreign = preflight
            foreign[.origin] = "https://evil.example.com"
            try await client.execute(uri: "/api/v1/health/ready", method: .options, headers: foreign) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test func errorsCarryCORSAndSecurityHeadersToo() async throws {
        try await TestSite.withKernel("cors { allowed_origins https://app.example.com }\nsecurity { hsts_max_age 180d }") { _, client in
            try await client.execute(uri: "/nope", method: .get, headers: [.origin: "https://app.example.com"]) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.accessControlAllowOrigin] == "https://app.example.com")
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[.contentSecurityPolicy] == "default-src 'none'; frame-ancestors 'none'")
                #expect(response.headers[.strictTransportSecurity] == "max-age=15552000; includeSubDomains")
                #expect(response.headers[.cacheControl] == "no-store")
            }
        }
    }

    @Test func unknownHostsAreRefused() async throws {
        // The in-process client always sends Host: localhost.
        try await TestSite.withKernel("server { allowed_hosts api.example.com }") { _, client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.json["detail"] == "The Host header 'localhost' is not served here.")
            }
        }
        try await TestSite.withKernel("server { allowed_hosts .localhost }") { _, client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func hostPatternsFollowDjangoRules() throws {
        let middleware = SecurityHeadersMiddleware(cors: try TestSite.load("").cors, security: try TestSite.load("").security,
                                                   allowedHosts: ["api.example.com", ".internal.example", "::1"], renderer: ProblemRenderer(debug: false))
        for host in ["api.example.com", "API.example.com:8443", "x.internal.example", "internal.example", "[::1]:8000", "api.example.com."] {
            #expect(middleware.isAllowed(host: host), "\(host)")
        }
        for host in ["evil.example.com", "api.example.com.evil.net", "xinternal.example"] {
            #expect(!middleware.isAllowed(host: host), "\(host)")
        }
    }

    @Test func everyRequestIsLoggedAsOneJSONLine() async throws {
        let logs = LogSink.capture()
        try await TestSite.withKernel(logs: logs) { _, client in
            _ = try await client.execute(uri: "/api/v1/health/live", method: .get, headers: [.requestID: "trace-me-1"])
        }
        let line = try #require(logs.captured.first { $0.contains("trace-me-1") })
        let object = try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))
        #expect(object["message"] == "request")
        #expect(object["level"] == "info")
        #expect(object["request_id"] == "trace-me-1")
        #expect(object["fields"]?["route"] == "/api/v1/health/live")
        #expect(object["fields"]?["status"] == 200)
        #expect(object["time"]?.stringValue?.hasSuffix("Z") == true)
    }
}
