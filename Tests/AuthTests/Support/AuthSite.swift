import Auth
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import NIOCore
import Tenancy

/// Boots a kernel with tenancy and auth.local (plus what a test adds) on a scratch database.
enum AuthSite {
    /// `local`: directives for `plugin auth.local { … }`; `extra`: further site.conf text.
    static func withKernel<T: Sendable>(
        local: String = "email_verification_required off",
        extra: String = "",
        plugins: [any Plugin.Type] = [],
        _ body: @escaping @Sendable (Kernel, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let conf = """
            jobs {
                poll_interval 100ms
                backoff_base 100ms
                backoff_max 300ms
            }
            plugin tenancy {}
            plugin auth.local {
                issuer https://lintel.test
                \(local)
            }
            \(extra)
            """
        return try await TestSite.withKernel(conf, plugins: [TenancyPlugin.self, LocalAuthPlugin.self] + plugins, body)
    }

    /// Boots a kernel with tenancy and auth.keycloak pointed at `double` (`keycloak`: more directives for
    /// its block), and auth.local too when `local` (hybrid).
    static func withKeycloak<T: Sendable>(
        _ double: KeycloakDouble,
        keycloak: String = "",
        local: Bool = false,
        logs: LogSink = .capture(),
        _ body: @escaping @Sendable (Kernel, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let conf = """
            plugin tenancy {}
            plugin auth.keycloak {
                server_url \(double.serverURL)
                realm \(double.realm)
                client_id api
                \(keycloak)
            }
            \(local ? "plugin auth.local {\n    issuer https://lintel.test\n    email_verification_required off\n}" : "")
            """
        let plugins: [any Plugin.Type] = [TenancyPlugin.self, KeycloakPlugin.self] + (local ? [LocalAuthPlugin.self] : [])
        return try await TestSite.withKernel(conf, plugins: plugins, logs: logs, body)
    }

    /// A site.conf `mail` block that delivers to `sink`.
    static func mail(to sink: SMTPSink) -> String {
        "mail {\n    transport smtp\n    from lintel@example.com\n    smtp {\n        host 127.0.0.1\n        port \(sink.port)\n    }\n}"
    }
}

extension TestClientProtocol {
    func post(_ path: String, _ body: JSONValue, token: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body.jsonString()))
    }

    func get(_ path: String, token: String? = nil) async throws -> TestResponse {
        try await execute(uri: path, method: .get, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:])
    }

    /// Registers (verification off) and signs in; returns the login body.
    func signUp(_ email: String, password: String = "correct horse battery staple") async throws -> Tokens {
        _ = try await post("/api/v1/auth/register", ["email": .string(email), "password": .string(password)])
        return try await signIn(email, password: password)
    }

    func signIn(_ email: String, password: String = "correct horse battery staple") async throws -> Tokens {
        let response = try await post("/api/v1/auth/login", ["email": .string(email), "password": .string(password)])
        guard response.status == .ok, let tokens = Tokens(response.json) else { throw UnexpectedResponse(response) }
        return tokens
    }
}

struct Tokens: Sendable {
    let access: String
    let refresh: String

    init?(_ json: JSONValue) {
        guard let access = json["access_token"]?.stringValue, let refresh = json["refresh_token"]?.stringValue else { return nil }
        self.access = access
        self.refresh = refresh
    }
}

struct UnexpectedResponse: Error, CustomStringConvertible {
    let description: String
    init(_ response: TestResponse) { description = "\(response.status): \(response.text)" }
}

extension TestResponse {
    /// The problem's `type` slug (`tag:lintel.dev,2026:problems/<slug>`).
    var problemType: String? { json["type"]?.stringValue?.components(separatedBy: "/").last }
    var contentType: String? { headers[.contentType] }
}

/// Parts of a JWT, decoded without checking anything.
enum JWTParts {
    static func decode(_ part: Substring) -> JSONValue {
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return (Data(base64Encoded: base64).flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) }) ?? .null
    }

    static func header(_ token: String) -> JSONValue { decode(token.split(separator: ".")[0]) }
    static func claims(_ token: String) -> JSONValue { decode(token.split(separator: ".")[1]) }
}

/// The text parts of a raw MIME message, decoded (base64 bodies).
func mailText(_ raw: String) -> String {
    raw.components(separatedBy: "\r\n\r\n").dropFirst().compactMap { part in
        let body = part.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
        return Data(base64Encoded: body).map { String(decoding: $0, as: UTF8.self) }
    }.joined(separator: "\n")
}

/// The `token` query parameter of the first link in `text` whose path ends with `path`.
func linkToken(in text: String, path: String) -> String? {
    guard let range = text.range(of: path + "?token=") else { return nil }
    return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
}
