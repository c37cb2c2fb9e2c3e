import Foundation
import HTTPTypes
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Synchronization
import Testing

@Suite("context.authorize through the embedded engine")
struct AuthorizeTests {
    static let conf = "plugin test.roles { }\nplugin test.tenancy { }\n"
    static let plugins: [any Plugin.Type] = [RoleTokensPlugin.self, TenancyProbePlugin.self]

    static func headers(_ token: String, org: String? = nil, roles: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(token)"]
        if let org { fields[HTTPField.Name("X-Test-Org")!] = org }
        if let roles { fields[HTTPField.Name("X-Test-Org-Roles")!] = roles }
        return fields
    }

    @Test func anonymousRequestsAreUnauthorized() async throws {
        try await TestSite.withKernel(Self.conf, plugins: Self.plugins) { _, client in
            let response = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .get)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func membersReadTheirOwnOrgAndNothingElseLeaks() async throws {
        try await TestSite.withKernel(Self.conf, plugins: Self.plugins) { _, client in
            let own = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .get, headers: Self.headers("role_user_bob", org: "acme"))
            #expect(own.status == .ok)
            #expect(own.json["id"] == "acme")

            // Another tenant's org: 404, exactly as for an org that does not exist.
            let other = try await client.execute(uri: "/api/v1/probe/orgs/globex", method: .get, headers: Self.headers("role_user_bob", org: "acme"))
            #expect(other.status == .notFound)
            #expect(other.headers[.contentType] == "application/problem+json")
            #expect(other.json["detail"] == "No organization with id 'globex' exists.")
            let otherUpdate = try await client.execute(uri: "/api/v1/probe/orgs/globex", method: .patch,
                                                       headers: Self.headers("role_user_bob", org: "acme", roles: "org_admin"))
            #expect(otherUpdate.status == .notFound)

            // Own org, but not an admin of it: the member can see it, so the refusal is a 403.
            let update = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .patch, headers: Self.headers("role_user_bob", org: "acme"))
            #expect(update.status == .forbidden)
            #expect(update.json["detail"] == "You may not update this organization.")

            // Without a current org the principal is in no tenant at all.
            let homeless = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .get, headers: Self.headers("role_user_bob"))
            #expect(homeless.status == .notFound)
        }
    }

    @Test func orgAdminsUpdateTheirOrgAndPlatformAdminsAnyOrg() async throws {
        try await TestSite.withKernel(Self.conf, plugins: Self.plugins) { _, client in
            let admin = Self.headers("role_user_carol", org: "acme", roles: "org_admin")
            #expect(try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .patch, headers: admin).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .delete, headers: admin).status == .forbidden)

            let platform = Self.headers("role_platform_admin_ada")
            for method in [HTTPRequest.Method.get, .patch, .delete] {
                let response = try await client.execute(uri: "/api/v1/probe/orgs/globex", method: method, headers: platform)
                #expect(response.status == .ok, "\(method)")
            }
            // Support staff read everything and change nothing; they may read, so a refusal is a 403.
            let support = Self.headers("role_support_readonly_sam")
            #expect(try await client.execute(uri: "/api/v1/probe/orgs/globex", method: .get, headers: support).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/probe/orgs/globex", method: .patch, headers: support).status == .forbidden)
        }
    }

    @Test func aHandlerThatNeverAuthorizesIsDenied() async throws {
        let logs = LogSink.capture()
        try await TestSite.withKernel(Self.conf, plugins: Self.plugins, logs: logs) { _, client in
            let response = try await client.execute(uri: "/api/v1/probe/forgetful", method: .get, headers: Self.headers("role_platform_admin_ada"))
            #expect(response.status == .forbidden)
            #expect(response.json["id"] == nil)
        }
        #expect(logs.captured.contains { $0.contains("route answered without an authorization decision") && $0.contains("/api/v1/probe/forgetful") })
    }

    @Test func permittedListsTheAllowedActions() async throws {
        try await TestSite.withKernel(Self.conf, plugins: Self.plugins) { _, client in
            let member = try await client.execute(uri: "/api/v1/probe/orgs/acme/allowed", method: .get, headers: Self.headers("role_user_bob", org: "acme"))
            #expect(member.json["actions"] == ["read"])
            let admin = try await client.execute(uri: "/api/v1/probe/orgs/acme/allowed", method: .get,
                                                 headers: Self.headers("role_user_bob", org: "acme", roles: "org_admin"))
            #expect(admin.json["actions"] == ["read", "update"])
            let platform = try await client.execute(uri: "/api/v1/probe/orgs/acme/allowed", method: .get, headers: Self.headers("role_platform_admin_ada"))
            #expect(platform.json["actions"] == ["delete", "read", "update"])
        }
    }

    @Test func everyDecisionReachesTheDecisionLogAndTheMetrics() async throws {
        let records = Mutex<[DecisionRecord]>([])
        try await TestSite.withKernel(Self.conf, plugins: Self.plugins) { kernel, client in
            kernel.authorization.decisions.subscribe { record in records.withLock { $0.append(record) } }
            let headers = Self.headers("role_user_bob", org: "acme")
            var request = headers
            request[.requestID] = "req-authz-1"
            _ = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .get, headers: request)
            _ = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .delete, headers: headers)
            let logged = records.withLock { $0 }
            // The 404/403 probe (`read` behind the delete) is the Kernel's own and is not logged.
            #expect(logged.map(\.action) == ["read", "delete"])
            #expect(logged.map(\.allowed) == [true, false])
            #expect(logged[0].principalID == "bob")
            #expect(logged[0].roles == ["user"])
            #expect(logged[0].resourceKind == "organization")
            #expect(logged[0].resourceID == "acme")
            #expect(logged[0].policy == "resource.organization.vdefault")
            #expect(logged[0].effect == "EFFECT_ALLOW")
            #expect(logged[0].requestID == "req-authz-1")
            #expect(logged[0].durationMicros > 0)
            #expect(logged[1].effect == "EFFECT_DENY")

            let metrics = try await client.execute(uri: "/api/v1/monitoring/metrics", method: .get).text
            #expect(metrics.contains(#"lintel_authorization_decisions_total{kind="organization",effect="allow"}"#)
                || metrics.contains(#"lintel_authorization_decisions_total{effect="allow",kind="organization"}"#))
            #expect(metrics.contains("lintel_authorization_duration_seconds_count"))
        }
    }

    @Test func logDecisionsWritesOneLinePerDecision() async throws {
        let logs = LogSink.capture()
        try await TestSite.withKernel(Self.conf + "authorization {\n    policies \"\(Repository.root)/policies\"\n    log_decisions on\n}\n",
                                      plugins: Self.plugins, logs: logs) { _, client in
            _ = try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .get, headers: Self.headers("role_user_bob", org: "acme"))
        }
        let line = logs.captured.first { $0.contains("authorization decision") }
        #expect(line?.contains("\"effect\":\"EFFECT_ALLOW\"") == true)
        #expect(line?.contains("\"policy\":\"resource.organization.vdefault\"") == true)
        #expect(line?.contains("\"principal\":\"bob\"") == true)
    }
}
