import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Logging
import NIOCore
import Policy
import Testing

/// The `pdp` listener speaks Cerbos's HTTP API: these tests send what Cerbos's clients send.
@Suite("Cerbos-compatible check API")
struct PDPTests {
    static func engine(_ directory: String = Repository.root + "/policies") throws -> PolicyEngine {
        PolicyEngine(policies: try PolicyLoader.load(directory: directory))
    }

    static func withPDP<T: Sendable>(_ engine: PolicyEngine, settings: PDPSettings = PDPSettings(listen: HostPort(host: "127.0.0.1", port: 0)),
                                     _ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await PDPServer(engine: engine, settings: settings, logger: Logger(label: "pdp-test")).application().test(.live, body)
    }

    static func post(_ client: any TestClientProtocol, _ json: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/check/resources", method: .post, headers: [.contentType: "application/json"],
                                 body: ByteBuffer(string: json))
    }

    static let request = """
        {"requestId": "r-1", "includeMeta": true,
         "principal": {"id": "bob", "roles": ["user"], "attr": {"org_id": "acme", "org_roles": [], "team_ids": [], "team_roles": {}}},
         "resources": [
           {"actions": ["read", "update"], "resource": {"kind": "organization", "id": "acme", "attr": {"org_id": "acme"}}},
           {"actions": ["read"], "resource": {"kind": "organization", "id": "globex", "policyVersion": "default", "attr": {"org_id": "globex"}}}
         ]}
        """

    @Test func answersInCerbosShape() async throws {
        try await Self.withPDP(try Self.engine()) { client in
            let response = try await Self.post(client, Self.request)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let json = response.json
            #expect(json["requestId"] == "r-1")
            #expect(json["cerbosCallId"]?.stringValue?.count == 26)
            let results = try #require(json["results"]?.arrayValue)
            #expect(results.count == 2)
            #expect(results[0]["resource"] == ["id": "acme", "kind": "organization"])
            #expect(results[0]["actions"] == ["read": "EFFECT_ALLOW", "update": "EFFECT_DENY"])
            #expect(results[0]["meta"]?["actions"]?["read"] == ["matchedPolicy": "resource.organization.vdefault"])
            #expect(results[0]["meta"]?["effectiveDerivedRoles"] == ["org_member"])
            // The resource is echoed as sent: the version given explicitly comes back, none is invented.
            #expect(results[1]["resource"] == ["id": "globex", "kind": "organization", "policyVersion": "default"])
            #expect(results[1]["actions"] == ["read": "EFFECT_DENY"])
            #expect(results[1]["meta"]?["effectiveDerivedRoles"] == nil)
        }
    }

    @Test func snakeCaseNamesAndExplicitNullsAreAccepted() async throws {
        try await Self.withPDP(try Self.engine()) { client in
            let response = try await Self.post(client, """
                {"request_id": null, "include_meta": null, "aux_data": null,
                 "principal": {"id": "ada", "roles": ["platform_admin"], "policy_version": null, "scope": null, "attr": {"manager": null}},
                 "resources": [{"actions": ["delete"], "resource": {"kind": "organization", "id": "x", "policy_version": null, "scope": null, "attr": null}}]}
                """)
            #expect(response.status == .ok)
            #expect(response.json["requestId"] == nil)
            #expect(response.json["results"]?.arrayValue?.first?["actions"] == ["delete": "EFFECT_ALLOW"])
            #expect(response.json["results"]?.arrayValue?.first?["meta"] == nil)
        }
    }

    @Test func badRequestsGetGRPCStatusBodies() async throws {
        try await Self.withPDP(try Self.engine(), settings: PDPSettings(listen: HostPort(host: "127.0.0.1", port: 0), maxResources: 2, maxActions: 2)) { client in
            let unknown = try await Self.post(client, #"{"principal": {"id": "a", "roles": ["user"], "colour": "red"}, "resources": []}"#)
            #expect(unknown.status == .badRequest)
            #expect(unknown.json["code"] == 3)
            #expect(unknown.json["message"]?.stringValue?.contains(#"unknown field "colour""#) == true)

            let missing = try await Self.post(client, #"{"resources": [{"actions": [], "resource": {"kind": "k", "id": ""}}]}"#)
            #expect(missing.status == .badRequest)
            #expect(missing.json["code"] == 3)
            #expect(missing.json["message"] == """
                validation error:
                 - principal: value is required [required]
                 - resources[0].actions: value must contain at least 1 item(s) [repeated.min_items]
                 - resources[0].resource.id: value length must be at least 1 characters [string.min_len]
                """)

            let duplicateRoles = try await Self.post(client, #"{"principal": {"id": "a", "roles": ["user", "user"]}, "resources": [{"actions": ["read"], "resource": {"kind": "k", "id": "1"}}]}"#)
            #expect(duplicateRoles.json["message"]?.stringValue?.contains("principal.roles: repeated value must contain unique items [repeated.unique]") == true)

            let tooMany = try await Self.post(client, #"{"principal": {"id": "a", "roles": ["user"]}, "resources": [{"actions": ["a", "b", "c"], "resource": {"kind": "k", "id": "1"}}]}"#)
            #expect(tooMany.status == .badRequest)
            #expect(tooMany.json["message"] == "number of actions (3) exceeds configured limit (2)")
            let batch = Array(repeating: #"{"actions": ["a"], "resource": {"kind": "k", "id": "1"}}"#, count: 3).joined(separator: ",")
            let tooManyResources = try await Self.post(client, #"{"principal": {"id": "a", "roles": ["user"]}, "resources": [\#(batch)]}"#)
            #expect(tooManyResources.json["message"] == "number of resources in batch (3) exceeds configured limit (2)")

            let wrongType = try await Self.post(client, #"{"principal": {"id": 5, "roles": ["user"]}, "resources": [{"actions": ["a"], "resource": {"kind": "k", "id": "1"}}]}"#)
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.json["code"] == 3)

            let notJSON = try await Self.post(client, "{principal")
            #expect(notJSON.status == .badRequest)
            #expect(notJSON.json["code"] == 3)

            let badScope = try await Self.post(client, #"{"principal": {"id": "a", "roles": ["user"], "scope": "acme..corp"}, "resources": [{"actions": ["a"], "resource": {"kind": "k", "id": "1"}}]}"#)
            #expect(badScope.json["message"]?.stringValue?.contains("principal.scope: value does not match regex pattern") == true)

            let jwt = try await Self.post(client, #"{"principal": {"id": "a", "roles": ["user"]}, "resources": [{"actions": ["a"], "resource": {"kind": "k", "id": "1"}}], "auxData": {"jwt": {"token": "x.y.z"}}}"#)
            #expect(jwt.status == .badRequest)
            #expect(jwt.json["message"]?.stringValue?.hasPrefix("invalid auxData") == true)

            let notFound = try await client.execute(uri: "/api/nothing", method: .get)
            #expect(notFound.status == .notFound)
            #expect(notFound.json == ["code": 5, "message": "Not Found"])

            let wrongMethod = try await client.execute(uri: "/api/check/resources", method: .get)
            #expect(wrongMethod.json["code"] == 12)
        }
    }

    @Test func healthAndServerInfo() async throws {
        try await Self.withPDP(try Self.engine()) { client in
            let health = try await client.execute(uri: "/_cerbos/health", method: .get)
            #expect(health.status == .ok)
            #expect(health.json == ["status": "SERVING"])
            #expect(try await client.execute(uri: "/_cerbos/health?service=cerbos.svc.v1.CerbosService", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/_cerbos/health?service=nope", method: .get).json["code"] == 5)
            #expect(try await client.execute(uri: "/api/server_info", method: .get).json["version"] == .string(Kernel.version))
        }
    }

    @Test func outputsAndSchemaErrorsAreReported() async throws {
        let directory = TemporaryDirectory()
        directory.write("_schemas/doc.json", #"{"type": "object", "properties": {"status": {"enum": ["draft", "published"]}}, "required": ["status"]}"#)
        directory.write("doc.yaml", """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: doc
              version: default
              schemas:
                resourceSchema:
                  ref: cerbos:///doc.json
              rules:
                - actions: ["view"]
                  effect: EFFECT_ALLOW
                  roles: ["user"]
                  condition:
                    match:
                      expr: R.attr.status == "published"
                  output:
                    when:
                      ruleActivated: |-
                        "viewed:" + P.id
                      conditionNotMet: |-
                        "hidden:" + R.attr.status
            """)
        var options = CheckOptions()
        options.schemaEnforcement = .warn
        let engine = PolicyEngine(policies: try PolicyLoader.load(directory: directory.path), options: options)
        try await Self.withPDP(engine) { client in
            let response = try await Self.post(client, """
                {"principal": {"id": "bob", "roles": ["user"]},
                 "resources": [{"actions": ["view"], "resource": {"kind": "doc", "id": "1", "attr": {"status": "published"}}},
                               {"actions": ["view"], "resource": {"kind": "doc", "id": "2", "attr": {"status": "secret"}}}]}
                """)
            let results = try #require(response.json["results"]?.arrayValue)
            #expect(results[0]["actions"] == ["view": "EFFECT_ALLOW"])
            #expect(results[0]["outputs"] == [["src": "resource.doc.vdefault#rule-001", "val": "viewed:bob", "action": "view"]])
            #expect(results[0]["validationErrors"] == nil)
            #expect(results[1]["actions"] == ["view": "EFFECT_DENY"])
            #expect(results[1]["outputs"] == [["src": "resource.doc.vdefault#rule-001", "val": "hidden:secret", "action": "view"]])
            let errors = try #require(results[1]["validationErrors"]?.arrayValue)
            #expect(errors.count == 1)
            #expect(errors.first?["path"] == "/status")
            #expect(errors.first?["source"] == "SOURCE_RESOURCE")
        }
    }

    /// Cerbos's official Python SDK (`cerbos` from PyPI) against the listener, unchanged.
    @Test func cerbosPythonSDKWorksUnchanged() async throws {
        try await Self.withPDP(try Self.engine()) { client in
            let port = try #require(client.port)
            let script = """
                import sys
                from cerbos.sdk.client import CerbosClient
                from cerbos.sdk.model import Principal, Resource, ResourceAction, ResourceList
                # The SDK's 2 s default is for a production Cerbos; the suite runs hundreds of tests at once on 2 cores.
                with CerbosClient(f"http://127.0.0.1:{sys.argv[1]}", timeout_secs=30) as c:
                    print("healthy", c.is_healthy())
                    bob = Principal("bob", roles={"user"}, attr={"org_id": "acme", "org_roles": []})
                    own = Resource("acme", "organization", attr={"org_id": "acme"})
                    other = Resource("globex", "organization", attr={"org_id": "globex"})
                    print("allowed", c.is_allowed("read", bob, own), c.is_allowed("read", bob, other), c.is_allowed("update", bob, own))
                    resp = c.check_resources(principal=bob, resources=ResourceList(resources=[
                        ResourceAction(own, actions={"read", "delete"}), ResourceAction(other, actions={"read"})]), request_id="sdk-1")
                    print("request", resp.request_id)
                    for r in resp.results:
                        print("result", r.resource.id, ",".join(sorted(a + "=" + e.value for a, e in r.actions.items())))
                """
            let output = try await Shell.run(SMTPSink.python, "-c", script, String(port))
            let lines = output.split(separator: "\n").map(String.init)
            #expect(lines == [
                "healthy True",
                "allowed True False False",
                "request sdk-1",
                "result acme delete=EFFECT_DENY,read=EFFECT_ALLOW",
                "result globex read=EFFECT_DENY",
            ])
        }
    }
}
