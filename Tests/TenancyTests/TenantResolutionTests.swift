import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// Which org a request acts in, and what the policies learn about the principal there.
@Suite("tenant resolution")
struct TenantResolutionTests {
    static let orgHeader = HTTPField.Name("X-Org-ID")!

    @Test func xOrgIDPicksAmongTheUsersOrgsAndRefusesAForeignOne() async throws {
        try await TenancyWorld.with { _, client, world in
            // The owner of A joins B as a plain member.
            try await client.expect(.created, .post, "/api/v1/orgs/\(world.b.org)/members", ["email": .string(world.a.orgAdmin.email)], token: world.b.orgAdmin.token)
            let owner = world.a.orgAdmin.token
            // Acting in B (chosen by the header) the owner is only a member: no team creation there...
            try await client.expect(.forbidden, .post, "/api/v1/orgs/\(world.b.org)/teams", ["name": "Nope"], token: owner, headers: [Self.orgHeader: world.b.org])
            // ...while in A, by the path or the header, they are its admin.
            try await client.expect(.created, .post, "/api/v1/orgs/\(world.a.org)/teams", ["name": "Yes"], token: owner)
            // A header naming another org than the path's makes the request act there: A's path is then foreign.
            try await client.expect(.notFound, .post, "/api/v1/orgs/\(world.a.org)/teams", ["name": "Mixed"], token: owner, headers: [Self.orgHeader: world.b.org])

            let foreign = try await client.expect(.forbidden, .get, "/api/v1/auth/me", token: world.a.member.token, headers: [Self.orgHeader: world.b.org])
            #expect(foreign.problemType == "foreign-organization")
            try await client.expect(.forbidden, .get, "/api/v1/auth/me", token: world.a.member.token, headers: [Self.orgHeader: "not-an-id"])
            try await client.expect(.forbidden, .get, "/api/v1/auth/me", token: world.a.member.token, headers: [Self.orgHeader: UUID().uuidString])
            // Platform staff may act in any existing org.
            try await client.expect(.ok, .get, "/api/v1/orgs/\(world.b.org)", token: world.admin.token, headers: [Self.orgHeader: world.b.org])
            try await client.expect(.forbidden, .get, "/api/v1/auth/me", token: world.admin.token, headers: [Self.orgHeader: UUID().uuidString])
        }
    }

    @Test func theTokensOrgAndTeamsComeFromTheMemberships() async throws {
        try await TenancyWorld.with { _, client, world in
            let claims = JWTParts.claims(world.a.member.token)
            #expect(claims["org_id"] == .string(world.a.org))
            #expect(claims["team_ids"] == [.string(world.a.team)])
            let adminClaims = JWTParts.claims(world.admin.token)
            #expect(adminClaims["org_id"] == nil)
            #expect(adminClaims["team_ids"] == [])
        }
    }

    @Test func anotherOrgsIdsNeverWorkThroughAnOwnPath() async throws {
        try await TenancyWorld.with { _, client, world in
            let a = world.a, b = world.b
            for token in [a.orgAdmin.token, world.admin.token] {
                try await client.expect(.notFound, .get, "/api/v1/orgs/\(a.org)/teams/\(b.team)", token: token)
                try await client.expect(.notFound, .put, "/api/v1/orgs/\(a.org)/teams/\(b.team)", ["name": "Stolen"], token: token)
                try await client.expect(.notFound, .delete, "/api/v1/orgs/\(a.org)/teams/\(b.team)", token: token)
                try await client.expect(.notFound, .get, "/api/v1/orgs/\(a.org)/teams/\(b.team)/members", token: token)
                try await client.expect(.notFound, .put, "/api/v1/orgs/\(a.org)/members/\(b.member.id)", ["roles": ["org_admin"]], token: token)
                try await client.expect(.notFound, .delete, "/api/v1/orgs/\(a.org)/members/\(b.member.id)", token: token)
                try await client.expect(.notFound, .delete, "/api/v1/orgs/\(a.org)/teams/\(a.team)/members/\(b.member.id)", token: token)
            }
            // Lists of A never show B's rows, whatever the filter.
            let members = try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)/members?search=b.test", token: a.orgAdmin.token).json
            #expect(members["count"] == 0)
            let teams = try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)/teams?search=team", token: a.member.token).json
            #expect(teams["results"]?.arrayValue?.map { $0["id"] } == [.string(a.team)])
            let b1 = try await client.expect(.ok, .get, "/api/v1/admin/teams/\(b.team)", token: world.admin.token).json
            #expect(b1["name"] == "Team B1", "B's team is untouched")
        }
    }
}

import HTTPTypes
