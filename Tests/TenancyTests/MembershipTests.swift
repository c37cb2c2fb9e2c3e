import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// Teams and memberships: their events, cascades, and the rules about who grants which role.
@Suite("teams and memberships")
struct MembershipTests {
    @Test func teamChangesEmitTheirEventsAndDeletingATeamRemovesItsMemberships() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let a = world.a
            let created = try await client.expect(.created, .post, "/api/v1/orgs/\(a.org)/teams", ["name": "Platform", "description": "Infra"], token: a.orgAdmin.token)
            let team = try created.id()
            var events = try await kernel.events.emitted(requestID: created.requestID)
            #expect(events.map(\.name) == ["team.created"])
            #expect(events.first?.payload["team"]?["name"] == "Platform")
            #expect(events.first?.orgID == a.org)
            // Names are unique per org whatever their case, and free in another org.
            try await client.expect(.conflict, .post, "/api/v1/orgs/\(a.org)/teams", ["name": "platform"], token: a.orgAdmin.token)
            try await client.expect(.created, .post, "/api/v1/orgs/\(world.b.org)/teams", ["name": "Platform"], token: world.b.orgAdmin.token)

            let added = try await client.expect(.created, .post, "/api/v1/orgs/\(a.org)/teams/\(team)/members", ["email": .string(a.member.email), "roles": ["team_admin"]],
                                                token: a.orgAdmin.token)
            #expect(added.json["user"]?["email"] == .string(a.member.email))
            #expect(try await kernel.events.emitted(requestID: added.requestID).map(\.name) == ["membership.created"])
            let updated = try await client.expect(.ok, .put, "/api/v1/orgs/\(a.org)/teams/\(team)", ["name": "Platform Team"], token: a.member.token)
            events = try await kernel.events.emitted(requestID: updated.requestID)
            #expect(events.map(\.name) == ["team.updated"], "the new team admin may update it")
            #expect(events.first?.payload["before"]?["name"] == "Platform")
            #expect(events.first?.payload["after"]?["name"] == "Platform Team")

            let deleted = try await client.expect(.noContent, .delete, "/api/v1/orgs/\(a.org)/teams/\(team)", token: a.orgAdmin.token)
            events = try await kernel.events.emitted(requestID: deleted.requestID)
            #expect(events.map(\.name) == ["membership.deleted", "team.deleted"])
            #expect(events.first?.payload["membership"]?["user_id"] == .string(a.member.id))
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM memberships WHERE team_id = \(bind: UUID(uuidString: team)!)") == 0)
        }
    }

    @Test func removingAnOrgMemberRemovesThemFromTheOrgsTeamsToo() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let a = world.a
            let removed = try await client.expect(.noContent, .delete, "/api/v1/orgs/\(a.org)/members/\(a.member.id)", token: a.orgAdmin.token)
            let events = try await kernel.events.emitted(requestID: removed.requestID)
            #expect(events.map(\.name) == ["membership.deleted", "membership.deleted"])
            #expect(events[0].payload["membership"]?["team_id"] == .string(a.team))
            #expect(events[1].payload["membership"]?["team_id"] == .null)
            // Within the same process the change applies at once: the former member is a stranger now.
            try await client.expect(.notFound, .get, "/api/v1/orgs/\(a.org)", token: a.member.token)
            try await client.expect(.notFound, .delete, "/api/v1/orgs/\(a.org)/teams/\(a.team)/members/\(a.member.id)", token: a.orgAdmin.token)
        }
    }

    @Test func nobodyGrantsARoleAboveTheLevelTheyManage() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let a = world.a
            let before = try await kernel.count("SELECT COUNT(*) AS n FROM memberships")
            // Org admins grant org roles only: platform roles do not exist here, team roles are the team's.
            for roles: JSONValue in [["platform_admin"], ["team_admin"], ["owner"], [], ["member", "member"]] {
                let response = try await client.expect(.unprocessableContent, .put, "/api/v1/orgs/\(a.org)/members/\(a.member.id)", ["roles": roles], token: a.orgAdmin.token)
                #expect(response.json["errors"]?.arrayValue?.first?["pointer"]?.stringValue?.hasPrefix("/roles") == true, "\(roles)")
            }
            try await client.expect(.unprocessableContent, .post, "/api/v1/orgs/\(a.org)/members", ["email": "new@a.test", "roles": ["platform_admin"]], token: a.orgAdmin.token)
            // Team admins grant team roles only, to members of the org only.
            try await client.expect(.unprocessableContent, .put, "/api/v1/orgs/\(a.org)/teams/\(a.team)/members/\(a.member.id)", ["roles": ["org_admin"]],
                                    token: a.teamAdmin.token)
            let stranger = try await client.expect(.unprocessableContent, .post, "/api/v1/orgs/\(a.org)/teams/\(a.team)/members", ["email": .string(world.b.member.email)],
                                                   token: a.teamAdmin.token)
            #expect(stranger.json["detail"]?.stringValue?.contains("not a member of this organization") == true)
            try await client.expect(.unprocessableContent, .post, "/api/v1/orgs/\(a.org)/teams/\(a.team)/members", ["user_id": .string(world.b.member.id)],
                                    token: a.teamAdmin.token)
            // Org admins add people by address, never by another tenant's user id.
            try await client.expect(.unprocessableContent, .post, "/api/v1/orgs/\(a.org)/members", ["user_id": .string(world.b.member.id)], token: a.orgAdmin.token)
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM memberships") == before, "nothing was granted")
            // Nobody's platform roles changed.
            let me = try await client.expect(.ok, .get, "/api/v1/auth/me", token: a.member.token)
            #expect(me.json["roles"]?.arrayValue?.contains("platform_admin") == false)
        }
    }

    @Test func anOrgAlwaysKeepsAnActiveOrgAdmin() async throws {
        try await TenancyWorld.with { _, client, world in
            let a = world.a
            let demote = try await client.expect(.conflict, .put, "/api/v1/orgs/\(a.org)/members/\(a.orgAdmin.id)", ["roles": ["member"]], token: a.orgAdmin.token)
            #expect(demote.json["detail"]?.stringValue?.contains("last active org admin") == true)
            try await client.expect(.conflict, .delete, "/api/v1/orgs/\(a.org)/members/\(a.orgAdmin.id)", token: a.orgAdmin.token)
            try await client.expect(.ok, .put, "/api/v1/orgs/\(a.org)/members/\(a.member.id)", ["roles": ["org_admin"]], token: a.orgAdmin.token)
            try await client.expect(.ok, .put, "/api/v1/orgs/\(a.org)/members/\(a.orgAdmin.id)", ["roles": ["member"]], token: a.orgAdmin.token)
            // The demoted admin lost their powers at once; the promoted member has them.
            try await client.expect(.forbidden, .post, "/api/v1/orgs/\(a.org)/teams", ["name": "X"], token: a.orgAdmin.token)
            try await client.expect(.created, .post, "/api/v1/orgs/\(a.org)/teams", ["name": "X"], token: a.member.token)
        }
    }

    @Test func anOrgAdminInvitesAnUnknownAddressAndAddsAKnownOneAtOnce() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let a = world.a
            let invited = try await client.expect(.created, .post, "/api/v1/orgs/\(a.org)/members", ["email": "newcomer@a.test", "first_name": "New"], token: a.orgAdmin.token)
            #expect(invited.json["user"]?["status"] == "invited")
            #expect(invited.json["roles"] == ["member"])
            let events = try await kernel.events.emitted(requestID: invited.requestID)
            #expect(events.map(\.name) == ["user.created", "membership.created"])
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM lintel_jobs WHERE kind = 'mail.send'") >= 1, "the invitation mail is queued")

            let known = try await client.expect(.created, .post, "/api/v1/orgs/\(a.org)/members", ["email": .string(world.b.member.email)], token: a.orgAdmin.token)
            #expect(known.json["user"]?["status"] == "active")
            try await client.expect(.conflict, .post, "/api/v1/orgs/\(a.org)/members", ["email": .string(world.b.member.email)], token: a.orgAdmin.token)
            // Now b's member belongs to both orgs: the org in the path, or X-Org-ID, picks the one a request acts in.
            try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)", token: world.b.member.token)
            try await client.expect(.ok, .get, "/api/v1/orgs/\(world.b.org)", token: world.b.member.token)
            let inA = try await client.expect(.ok, .get, "/api/v1/auth/me", token: world.b.member.token, headers: [.init("X-Org-ID")!: a.org])
            #expect(inA.json["email"] == .string(world.b.member.email))
            let members = try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)/members?sort=email", token: a.member.token).json
            #expect(members["count"] == 5)
            #expect(members["results"]?.arrayValue?.compactMap { $0["user"]?["email"]?.stringValue }
                    == ["dev@a.test", "dev@b.test", "lead@a.test", "newcomer@a.test", "owner@a.test"])
            let invitedOnly = try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)/members?status=invited", token: a.member.token).json
            #expect(invitedOnly["results"]?.arrayValue?.map { $0["user"]?["email"] } == ["newcomer@a.test"])
            let admins = try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)/members?role=org_admin", token: a.member.token).json
            #expect(admins["results"]?.arrayValue?.map { $0["user"]?["email"] } == ["owner@a.test"])
        }
    }

    @Test func membershipsThroughTheAdminAPI() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let a = world.a
            let user = try await client.expect(.created, .post, "/api/v1/admin/users", ["email": "extra@x.test"], token: world.admin.token).id()
            try await client.expect(.unprocessableContent, .post, "/api/v1/admin/memberships", ["user_id": .string(user), "org_id": .string(a.org), "team_id": .string(a.team)],
                                    token: world.admin.token)
            try await client.expect(.unprocessableContent, .post, "/api/v1/admin/memberships", ["user_id": .string(user), "org_id": .string(a.org), "team_id": .string(world.b.team)],
                                    token: world.admin.token)
            let created = try await client.expect(.created, .post, "/api/v1/admin/users/\(user)/memberships", ["org_id": .string(a.org), "roles": ["org_admin"]], token: world.admin.token)
            let membership = try created.id()
            let changed = try await client.expect(.ok, .patch, "/api/v1/admin/memberships/\(membership)", ["roles": ["member"]], token: world.admin.token)
            let events = try await kernel.events.emitted(requestID: changed.requestID)
            #expect(events.map(\.name) == ["membership.updated"])
            #expect(events.first?.payload["before"]?["roles"] == ["org_admin"])
            #expect(events.first?.payload["after"]?["roles"] == ["member"])
            let list = try await client.expect(.ok, .get, "/api/v1/admin/memberships?org_id=\(a.org)&scope=org", token: world.admin.token).json
            #expect(list["count"] == 4)
            let teams = try await client.expect(.ok, .get, "/api/v1/admin/memberships?scope=team&user_id=\(a.member.id)", token: world.admin.token).json
            #expect(teams["results"]?.arrayValue?.map { $0["team_id"] } == [.string(a.team)])
            try await client.expect(.noContent, .delete, "/api/v1/admin/memberships/\(membership)", token: world.admin.token)
            try await client.expect(.notFound, .get, "/api/v1/admin/memberships/\(membership)", token: world.admin.token)
        }
    }
}
