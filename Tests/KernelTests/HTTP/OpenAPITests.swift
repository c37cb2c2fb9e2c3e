import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Testing

@Suite("OpenAPI document")
struct OpenAPITests {
    @Test func everyRegisteredRouteIsDocumentedAndEveryDocumentedOperationIsRoutable() async throws {
        let conf = "plugin test.greeter { greeting hi }\nplugin test.audience { }\nplugin test.token { }"
        try await TestSite.withKernel(conf, plugins: [GreeterPlugin.self, AudiencePlugin.self, TokenPlugin.self]) { kernel, client in
            let document = try await client.execute(uri: "/api/v1/openapi.json", method: .get).json
            #expect(document["openapi"] == "3.1.0")
            let paths = try #require(document["paths"]?.objectValue)
            var documented = Set<String>()
            for (path, item) in paths {
                for method in item.objectValue?.keys ?? [:].keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let registered = Set(kernel.routes.map { "\($0.method.rawValue) \($0.path)" })
            #expect(registered == documented, "missing from the document: \(registered.subtracting(documented)); not routed: \(documented.subtracting(registered))")

            // Every documented operation reaches a handler: never the 404/405 of an unmatched route.
            for operation in documented {
                let parts = operation.split(separator: " ", maxSplits: 1)
                let path = parts[1].replacingOccurrences(of: "{name}", with: "probe")
                let response = try await client.execute(uri: path, method: .init(rawValue: String(parts[0]))!)
                #expect(response.status != .notFound || response.json["detail"]?.stringValue?.hasPrefix("No route matches") != true, "\(operation)")
                #expect(response.status != .methodNotAllowed, "\(operation)")
            }
        }
    }

    @Test func operationsDescribeAccessBodiesAndProblems() async throws {
        try await TestSite.withKernel("plugin test.greeter { greeting hi }", plugins: [GreeterPlugin.self]) { _, client in
            let document = try await client.execute(uri: "/api/v1/openapi.json", method: .get).json
            let echo = try #require(document["paths"]?["/api/v1/greeter/echo"]?["post"])
            #expect(echo["security"] == [])
            #expect(echo["requestBody"]?["content"]?["application/json"] != nil)
            #expect(echo["responses"]?["422"]?["content"]?["application/problem+json"]?["schema"] == ["$ref": "#/components/schemas/Problem"])
            let privateRoute = try #require(document["paths"]?["/api/v1/greeter/private"]?["get"])
            #expect(privateRoute["security"] == [["bearerAuth": []]])
            #expect(privateRoute["responses"]?["401"] != nil)
            let stored = try #require(document["paths"]?["/api/v1/greeter/greetings/{name}"]?["post"])
            #expect(stored["parameters"]?.arrayValue?.first?["name"] == "name")
            #expect(document["components"]?["schemas"]?["Greeting"] != nil, "plugin components are merged in")
            #expect(document["components"]?["schemas"]?["Problem"] != nil)
        }
    }
}
