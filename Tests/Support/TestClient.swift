import Foundation
import HTTPTypes
import HummingbirdTesting
import Kernel
import NIOCore

extension TestClientProtocol {
    /// `method` with a JSON body (or none) and a bearer token.
    func send(_ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil, token: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if body != nil { headers[.contentType] = "application/json" }
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0.jsonString()) })
    }

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
    init(description: String) { self.description = description }
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

