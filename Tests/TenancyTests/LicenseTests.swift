import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// License tiers: limits enforced at their boundaries, the per-org request rate, features as principal
/// attributes, and who changes a tier.
@Suite("license tiers")
struct LicenseTests {
    /// A free org (5 users, 1 team) with its org admin; returns the org id and the admin's token.
    static func freeOrg(_ client: any TestClientProtocol, _ world: TenancyWorld, name: String = "Small") async throws -> (org: String, admin: Actor) {
        let org = try await client.expect(.created, .post, "/api/v1/admin/orgs", ["name": .string(name)], token: world.admin.token).id()
        let email = "owner@\(name.lowercased()).test"
        let user = try await client.expect(.created, .post, "/api/v1/admin/users", ["email": .string(email), "password": .string(TenancyWorld.password)],
                                           token: world.admin.token).id()
        try await client.expect(.created, .post, "/api/v1/admin/memberships", ["user_id": .string(user), "org_id": .string(org), "roles": ["org_admin"]],
                                token: world.admin.token)
        return (org, Actor(id: user, email: email, token: try await client.signIn(email, password: TenancyWorld.password).access))
    }

    @Test func theSixthUserOfAFreeOrgIsRefusedNamingTheLimitAndTheTier() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let (org, admin) = try await Self.freeOrg(client, world)
            for index in 2...5 {
                try await client.expect(.created, .post, "/api/v1/orgs/\(org)/members", ["email": .string("user\(index)@small.test")], token: admin.token)
            }
            let sixth = try await client.expect(.conflict, .post, "/api/v1/orgs/\(org)/members", ["email": "user6@small.test"], token: admin.token)
            #expect(sixth.problemType == "license-limit")
            #expect(sixth.json["limit"] == "users")
            #expect(sixth.json["tier"] == "free")
            #expect(sixth.json["maximum"] == 5)
            #expect(sixth.json["current"] == 5)
            #expect(sixth.json["detail"] == "The free tier allows 5 users; this organization has 5. Upgrade the license to add more.")
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM users WHERE email_key = 'user6@small.test'") == 0, "the refused invitation left nothing behind")
            // Platform admins are held to the tier too; existing users count the same way.
            try await client.expect(.conflict, .post, "/api/v1/admin/memberships", ["user_id": .string(world.b.member.id), "org_id": .string(org)], token: world.admin.token)
            // A deactivated member frees a seat.
            let members = try await client.expect(.ok, .get, "/api/v1/orgs/\(org)/members?search=user5", token: admin.token).json
            let fifth = try #require(members["results"]?.arrayValue?.first?["user_id"]?.stringValue)
            try await client.expect(.noContent, .delete, "/api/v1/admin/users/\(fifth)", token: world.admin.token)
            try await client.expect(.created, .post, "/api/v1/orgs/\(org)/members", ["email": "user6@small.test"], token: admin.token)
        }
    }

    @Test func theSecondTeamOfAFreeOrgIsRefusedUntilTheTierChanges() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let (org, admin) = try await Self.freeOrg(client, world)
            try await client.expect(.created, .post, "/api/v1/orgs/\(org)/teams", ["name": "One"], token: admin.token)
            let second = try await client.expect(.conflict, .post, "/api/v1/orgs/\(org)/teams", ["name": "Two"], token: admin.token)
            #expect(second.json["detail"] == "The free tier allows 1 team; this organization has 1. Upgrade the license to add more.")
            #expect(second.json["limit"] == "teams")
            // Org admins read their license but cannot change it; a platform admin can.
            let license = try await client.expect(.ok, .get, "/api/v1/orgs/\(org)/license", token: admin.token).json
            #expect(license["tier"] == "free")
            #expect(license["limits"]?["max_users"] == 5)
            #expect(license["limits"]?["max_teams"] == 1)
            #expect(license["limits"]?["api_requests"]?["limit"] == 100)
            #expect(license["usage"]?["teams"] == 1)
            #expect(license["usage"]?["users"] == 1)
            #expect(license["over_limit"] == false)
            try await client.expect(.forbidden, .put, "/api/v1/orgs/\(org)/license", ["tier": "pro"], token: admin.token)
            let upgraded = try await client.expect(.ok, .put, "/api/v1/orgs/\(org)/license", ["tier": "starter"], token: world.admin.token)
            #expect(upgraded.json["limits"]?["max_teams"] == 5)
            let events = try await kernel.events.emitted(requestID: upgraded.requestID)
            #expect(events.map(\.name) == ["org.updated", "license.updated"])
            #expect(events.last?.payload["before"]?["tier"] == "free")
            #expect(events.last?.payload["after"]?["tier"] == "starter")
            #expect(events.last?.orgID == org)
            try await client.expect(.created, .post, "/api/v1/orgs/\(org)/teams", ["name": "Two"], token: admin.token)
            // A read after the changes shows them (the document read before is not answered again).
            let read = try await client.expect(.ok, .get, "/api/v1/orgs/\(org)/license", token: admin.token).json
            #expect(read["tier"] == "starter")
            #expect(read["usage"]?["teams"] == 2)
            #expect(read["limits"]?["max_teams"] == 5)
            // A change of custom features alone is read too.
            try await client.expect(.ok, .put, "/api/v1/orgs/\(org)/license", ["features": ["sso"]], token: world.admin.token)
            let withFeature = try await client.expect(.ok, .get, "/api/v1/orgs/\(org)/license", token: admin.token).json
            #expect(withFeature["custom_features"] == ["sso"])
            #expect(withFeature["features"]?.arrayValue?.contains("sso") == true)
            #expect(withFeature["usage"]?["teams"] == 2)
            // Going back down is allowed and reported, but nothing more is added until it fits.
            let down = try await client.expect(.ok, .put, "/api/v1/orgs/\(org)/license", ["tier": "free"], token: world.admin.token).json
            #expect(down["over_limit"] == true)
            try await client.expect(.conflict, .post, "/api/v1/orgs/\(org)/teams", ["name": "Three"], token: admin.token)
            try await client.expect(.unprocessableContent, .put, "/api/v1/orgs/\(org)/license", ["tier": "gold"], token: world.admin.token)
        }
    }

    @Test func eachOrgsRequestsAreLimitedByItsTierTogether() async throws {
        let tiers = "tier tiny {\n    users 10\n    teams 2\n    requests 4/hour\n}"
        try await TenancyWorld.with(tenancy: tiers, extra: "rate_limit {\n    user 1000/hour\n    anonymous 1000/hour\n}") { _, client, world in
            let a = world.a
            try await client.expect(.ok, .put, "/api/v1/admin/orgs/\(a.org)", ["license_tier": "tiny"], token: world.admin.token)
            var statuses: [Int] = []
            for actor in [a.member, a.orgAdmin, a.teamAdmin, a.member, a.orgAdmin] {
                statuses.append(Int(try await client.send(.get, "/api/v1/orgs/\(a.org)/teams", token: actor.token).status.code))
            }
            #expect(statuses == [200, 200, 200, 200, 429], "four requests per hour for the whole org, whoever sends them")
            let refused = try await client.send(.get, "/api/v1/orgs/\(a.org)", token: a.member.token)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] != nil)
            #expect(refused.json["detail"]?.stringValue?.contains("org") == true)
            // Org B (pro) is not affected.
            try await client.expect(.ok, .get, "/api/v1/orgs/\(world.b.org)", token: world.b.member.token)
        }
    }

    @Test func theTiersFeaturesReachThePolicies() async throws {
        try await TenancyWorld.with { _, client, world in
            let a = world.a
            try await client.expect(.ok, .put, "/api/v1/orgs/\(a.org)/license", ["tier": "enterprise", "features": ["sso"]], token: world.admin.token)
            let license = try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)/license", token: a.orgAdmin.token).json
            #expect(license["features"] == ["audit_export", "custom_features", "sso", "webhooks"])
            #expect(license["custom_features"] == ["sso"])
            #expect(license["limits"]?["max_users"] == .null, "unlimited")
            // An org with no features of its own shows its tier's.
            let plain = try await client.expect(.ok, .get, "/api/v1/orgs/\(world.b.org)/license", token: world.b.orgAdmin.token).json
            #expect(plain["tier"] == "pro")
            #expect(plain["features"] == ["webhooks"])
            #expect(plain["custom_features"] == [])
            let org = try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)", token: a.member.token).json
            #expect(org["features"] == ["audit_export", "custom_features", "sso", "webhooks"])
        }
    }

    @Test func tiersAreConfiguredInSiteConf() async throws {
        let diagnostics = TestSite.diagnostics("plugin tenancy {\n    default_tier gold\n    tier free {\n        users lots\n    }\n}", plugins: [TenancyPlugin.self])
        #expect(diagnostics.map(\.message).contains { $0.contains("no tier named 'gold'") })
        #expect(diagnostics.map(\.message).contains { $0.contains("lots") || $0.contains("count") })
        let custom = "default_tier team\ntier team {\n    users 3\n    teams unlimited\n    requests 50/minute\n    features webhooks\n}"
        try await TenancyWorld.with(tenancy: custom) { _, client, world in
            let org = try await client.expect(.created, .post, "/api/v1/admin/orgs", ["name": "Custom"], token: world.admin.token).json
            #expect(org["license_tier"] == "team")
            #expect(org["features"] == ["webhooks"])
            let license = try await client.expect(.ok, .get, "/api/v1/orgs/\(org["id"]?.stringValue ?? "")/license", token: world.admin.token).json
            #expect(license["limits"]?["max_users"] == 3)
            #expect(license["limits"]?["max_teams"] == .null)
            #expect(license["limits"]?["api_requests"]?["period_seconds"] == 60)
            #expect(license["tiers"] == ["free", "starter", "pro", "enterprise", "team"])
        }
    }
}

import Tenancy
