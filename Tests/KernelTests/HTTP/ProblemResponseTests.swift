import Foundation
import HTTPTypes
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import NIOCore
import Testing

@Suite("HTTP errors are RFC 9457 problem+json")
struct ProblemResponseTests {
    static let greeter = "plugin test.greeter { greeting Hello }"

    @Test func unknownRouteIs404() async throws {
        try await TestSite.withKernel { _, client in
            try await client.execute(uri: "/api/v1/nothing-here", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.json["status"] == 404)
                #expect(response.json["title"] == "Not Found")
                #expect(response.json["detail"] == "No route matches GET /api/v1/nothing-here.")
                #expect(response.json["instance"] == "/api/v1/nothing-here")
                #expect(response.json["request_id"]?.stringValue == response.headers[.requestID])
            }
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await TestSite.withKernel(Self.greeter, plugins: [GreeterPlugin.self]) { _, client in
            try await client.execute(uri: "/api/v1/greeter/echo", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST, OPTIONS")
                #expect(response.json["detail"] == "DELETE is not supported here; use POST, OPTIONS.")
            }
            try await client.execute(uri: "/api/v1/greeter", method: .options) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.allow] == "GET, HEAD, OPTIONS")
            }
            try await client.execute(uri: "/api/v1/greeter", method: .head) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func malformedJSONIs400WithPositionAndPointer() async throws {
        try await TestSite.withKernel(Self.greeter, plugins: [GreeterPlugin.self]) { _, client in
            try await client.execute(uri: "/api/v1/greeter/echo", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: "{\"name\": \"Ada\",\n \"repeat_count\": }")) { response in
                #expect(response.status == .badRequest)
                #expect(response.json["type"] == "tag:lintel.dev,2026:problems/malformed-json")
                #expect(response.json["pointer"] == "/repeat_count")
                #expect(response.json["detail"] == "Malformed JSON at line 2, column 18: expected a value, found '}'.")
            }
            try await client.execute(uri: "/api/v1/greeter/echo", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: "")) { response in
                #expect(response.status == .badRequest)
                #expect(response.json["detail"] == "The request body is empty; a JSON document was expected.")
            }
        }
    }

    @Test func nonJSONBodyIs415() async throws {
        try await TestSite.withKernel(Self.greeter, plugins: [GreeterPlugin.self]) { _, client in
            try await client.execute(uri: "/api/v1/greeter/echo", method: .post, headers: [.contentType: "text/plain"],
                                     body: ByteBuffer(string: "name=Ada")) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(response.json["detail"] == "The request body must be application/json, not text/plain.")
            }
            try await client.execute(uri: "/api/v1/greeter/echo", method: .post, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .unsupportedMediaType)
            }
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        try await TestSite.withKernel(Self.greeter + "\nserver { max_body_size 2KB }", plugins: [GreeterPlugin.self]) { _, client in
            let big = "{\"name\": \"" + String(repeating: "a", count: 3000) + "\", \"repeat_count\": 1}"
            try await client.execute(uri: "/api/v1/greeter/echo", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: big)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.json["detail"] == "The request body is larger than the 2KB limit.")
            }
        }
    }

    @Test func validationIs422WithPerFieldErrors() async throws {
        try await TestSite.withKernel(Self.greeter, plugins: [GreeterPlugin.self]) { _, client in
            func post(_ body: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/greeter/echo", method: .post, headers: [.contentType: "application/json; charset=utf-8"],
                                         body: ByteBuffer(string: body))
            }
            let invalid = try await post(#"{"name": "", "repeat_count": 7}"#)
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.json["type"] == "tag:lintel.dev,2026:problems/validation-error")
            #expect(invalid.json["errors"] == [
                ["pointer": "/name", "detail": "must not be empty"],
                ["pointer": "/repeat_count", "detail": "must be between 1 and 3"],
            ])
            let missing = try await post(#"{"name": "Ada"}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.json["errors"] == [["pointer": "/repeat_count", "detail": "is required"]])
            let wrongType = try await post(#"{"name": "Ada", "repeat_count": 1, "tags": ["a", 2]}"#)
            #expect(wrongType.json["errors"] == [["pointer": "/tags/1", "detail": "must be a string"]])
            let ok = try await post(#"{"name": "Ada", "repeat_count": 2, "unknown_member": true}"#)
            #expect(ok.status == .created)
            #expect(ok.json == ["message": "Hello, Ada! Hello, Ada!"])
        }
    }

    @Test func unexpectedErrorsAre500WithoutInternals() async throws {
        let logs = LogSink.capture()
        try await TestSite.withKernel(Self.greeter, plugins: [GreeterPlugin.self], logs: logs) { _, client in
            try await client.execute(uri: "/api/v1/greeter/boom", method: .get) { response in
                #expect(response.status == .internalServerError)
                let id = try #require(response.headers[.requestID])
                #expect(response.json["detail"]?.stringValue == "An unexpected error occurred. Quote request id \(id) when reporting it.")
                #expect(!response.text.contains("hunter2"))
                #expect(!response.text.contains("BoomError"))
            }
        }
        #expect(logs.captured.contains { $0.contains("\"message\":\"unhandled error\"") && $0.contains("BoomError") })
    }

    @Test func debugModeShowsTheErrorInThe500() async throws {
        try await TestSite.withKernel(Self.greeter + "\nsecurity { debug on }", plugins: [GreeterPlugin.self]) { _, client in
            try await client.execute(uri: "/api/v1/greeter/boom", method: .get) { response in
                #expect(response.json["debug"]?.stringValue?.contains("secret internal detail") == true)
            }
        }
    }

    @Test func authenticatedRoutesRefuseAnonymousCallers() async throws {
        try await TestSite.withKernel(Self.greeter + "\nplugin test.token { }", plugins: [GreeterPlugin.self, TokenPlugin.self]) { _, client in
            try await client.execute(uri: "/api/v1/greeter/private", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            try await client.execute(uri: "/api/v1/greeter/private", method: .get, headers: [.authorization: "Bearer tok_ada"]) { response in
                #expect(response.status == .ok)
                #expect(response.json == ["message": "Hello, ada!"])
            }
            try await client.execute(uri: "/api/v1/greeter/private", method: .get, headers: [.authorization: "Bearer something-else"]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer error=\"invalid_token\"") == true)
            }
            try await client.execute(uri: "/api/v1/greeter/private", method: .get, headers: [.authorization: "Bearer tok_"]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.json["detail"] == "The token is empty.")
            }
        }
    }

    @Test func aFailedRequestLeavesNoPartialWrite() async throws {
        try await TestSite.withKernel(Self.greeter, plugins: [GreeterPlugin.self]) { kernel, client in
            try await client.execute(uri: "/api/v1/greeter/greetings/kept", method: .post) { #expect($0.status == .created) }
            try await client.execute(uri: "/api/v1/greeter/greetings/rollback", method: .post) { response in
                #expect(response.status == .conflict)
                #expect(response.json["detail"] == "rolled back on purpose")
            }
            let names = try await kernel.database.read { sql in
                try await sql.select().column("name").from("greetings").all().map { try $0.decode(column: "name", as: String.self) }
            }
            #expect(names == ["kept"])
        }
    }
}

import SQLKit
