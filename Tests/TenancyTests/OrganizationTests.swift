import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// Organizations through the admin and org-scoped APIs: what each change answers and emits, soft
/// deletion, validation, lists.
@Suite("organizations")
struct OrganizationTests {
    @Test func creatingUpdatingAndDeletingAnOrgEmitsItsEventsWithBeforeAndAfter() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let created = try await client.expect(.created, .post, "/api/v1/admin/orgs", ["name": "Acme Widgets, Inc."], token: world.admin.token)
            let id = try created.id()
            #expect(created.json["slug"] == "acme-widgets-inc")
            #expect(created.json["license_tier"] == "free", "the default tier")
            #expect(created.json["status"] == "active")
            var events = try await kernel.events.emitted(requestID: created.requestID)
            #expect(events.map(\.name) == ["org.created"])
            #expect(events.first?.payload["org"]?["name"] == "Acme Widgets, Inc.")
            #expect(events.first?.orgID == id, "filed under the org it concerns")
            #expect(events.first?.actorID == world.admin.id)

            let renamed = try await client.expect(.ok, .put, "/api/v1/admin/orgs/\(id)", ["name": "Acme", "license_tier": "starter"], token: world.admin.token)
            #expect(renamed.json["name"] == "Acme")
            events = try await kernel.events.emitted(requestID: renamed.requestID)
            #expect(events.map(\.name) == ["org.updated", "license.updated"])
            #expect(events[0].payload["before"]?["name"] == "Acme Widgets, Inc.")
            #expect(events[0].payload["after"]?["name"] == "Acme")
            #expect(events[1].payload["before"]?["tier"] == "free")
            #expect(events[1].payload["after"]?["tier"] == "starter")

            let unchanged = try await client.expect(.ok, .put, "/api/v1/admin/orgs/\(id)", ["name": "Acme"], token: world.admin.token)
            #expect(try await kernel.events.emitted(requestID: unchanged.requestID).isEmpty, "no change, no event")

            let deleted = try await client.expect(.noContent, .delete, "/api/v1/admin/orgs/\(id)", token: world.admin.token)
            events = try await kernel.events.emitted(requestID: deleted.requestID)
            #expect(events.map(\.name) == ["org.deleted"])
            #expect(events.first?.payload["org"]?["name"] == "Acme")
            try await client.expect(.notFound, .delete, "/api/v1/admin/orgs/\(id)", token: world.admin.token)
            // Soft: the row stays for audit and billing, and platform admins can still look it up.
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM organizations WHERE id = \(bind: UUID(uuidString: id)!) AND deleted_at IS NOT NULL") == 1)
            let archived = try await client.expect(.ok, .get, "/api/v1/admin/orgs/\(id)", token: world.admin.token)
            #expect(archived.json["deleted_at"]?.stringValue != nil)
        }
    }

    @Test func aDeletedOrgDisappearsFromListsAndItsMembersLoseAccess() async throws {
        try await TenancyWorld.with { _, client, world in
            let a = world.a
            try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)", token: a.member.token)
            try await client.expect(.noContent, .delete, "/api/v1/admin/orgs/\(a.org)", token: world.admin.token)
            let list = try await client.expect(.ok, .get, "/api/v1/admin/orgs", token: world.admin.token).json
            #expect(list["results"]?.arrayValue?.contains { $0["id"] == .string(a.org) } == false)
            #expect(list["count"] == 1)
            let deletedList = try await client.expect(.ok, .get, "/api/v1/admin/orgs?status=deleted", token: world.admin.token).json
            #expect(deletedList["results"]?.arrayValue?.map { $0["id"] } == [.string(a.org)])
            for actor in [a.orgAdmin, a.teamAdmin, a.member] {
                try await client.expect(.notFound, .get, "/api/v1/orgs/\(a.org)", token: actor.token)
                try await client.expect(.notFound, .get, "/api/v1/orgs/\(a.org)/members", token: actor.token)
                try await client.expect(.notFound, .get, "/api/v1/orgs/\(a.org)/teams/\(a.team)", token: actor.token)
                try await client.expect(.forbidden, .get, "/api/v1/auth/me", token: actor.token, headers: [.init("X-Org-ID")!: a.org])
                let me = try await client.expect(.ok, .get, "/api/v1/auth/me", token: actor.token)
                #expect(me.json["email"] == .string(actor.email), "the account itself still works")
            }
            try await client.expect(.notFound, .get, "/api/v1/admin/teams/\(a.team)", token: world.admin.token)
        }
    }

    @Test func aSuspendedOrgRefusesItsMembersUntilReactivated() async throws {
        try await TenancyWorld.with { _, client, world in
            let a = world.a
            try await client.expect(.ok, .put, "/api/v1/admin/orgs/\(a.org)", ["status": "suspended"], token: world.admin.token)
            try await client.expect(.notFound, .get, "/api/v1/orgs/\(a.org)/teams", token: a.member.token)
            try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)", token: world.admin.token)
            try await client.expect(.ok, .put, "/api/v1/admin/orgs/\(a.org)", ["status": "active"], token: world.admin.token)
            try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)/teams", token: a.member.token)
        }
    }

    @Test func badOrganizationBodiesAreRefusedWithEveryFieldError() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let before = try await kernel.count("SELECT COUNT(*) AS n FROM organizations")
            let bad = try await client.expect(.unprocessableContent, .post, "/api/v1/admin/orgs",
                                              ["name": "  ", "slug": "Not A Slug", "status": "closed", "features": ["Bad Feature"]], token: world.admin.token)
            #expect(bad.contentType == "application/problem+json")
            let pointers = Set(bad.json["errors"]?.arrayValue?.compactMap { $0["pointer"]?.stringValue } ?? [])
            #expect(pointers == ["/name", "/slug", "/status", "/features/0"])
            try await client.expect(.unprocessableContent, .post, "/api/v1/admin/orgs", ["slug": "nameless"], token: world.admin.token)
            let tier = try await client.expect(.unprocessableContent, .post, "/api/v1/admin/orgs", ["name": "X", "license_tier": "platinum"], token: world.admin.token)
            #expect(tier.json["errors"]?.arrayValue?.first?["detail"]?.stringValue?.contains("free, starter, pro, enterprise") == true)
            try await client.expect(.badRequest, .post, "/api/v1/admin/orgs", nil, token: world.admin.token, headers: [.contentType: "application/json"])
            try await client.expect(.unsupportedMediaType, .post, "/api/v1/admin/orgs", token: world.admin.token, headers: [.contentType: "text/plain"])
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM organizations") == before, "nothing was written")

            try await client.expect(.created, .post, "/api/v1/admin/orgs", ["name": "Dup", "slug": "dup"], token: world.admin.token)
            let taken = try await client.expect(.conflict, .post, "/api/v1/admin/orgs", ["name": "Dup", "slug": "dup"], token: world.admin.token)
            #expect(taken.json["errors"]?.arrayValue?.first?["pointer"] == "/slug")
            let second = try await client.expect(.created, .post, "/api/v1/admin/orgs", ["name": "Dup"], token: world.admin.token)
            #expect(second.json["slug"] == "dup-2", "an unnamed slug is made free")
            try await client.expect(.conflict, .put, "/api/v1/admin/orgs/\(try second.id())", ["slug": "dup"], token: world.admin.token)
            try await client.expect(.notFound, .get, "/api/v1/admin/orgs/not-a-uuid", token: world.admin.token)
            try await client.expect(.notFound, .get, "/api/v1/admin/orgs/\(UUID().uuidString)", token: world.admin.token)
        }
    }

    @Test func organizationListsFilterSortAndPageStably() async throws {
        try await TenancyWorld.with { _, client, world in
            for name in ["delta", "Alpha", "charlie", "Bravo", "echo"] {
                try await client.expect(.created, .post, "/api/v1/admin/orgs", ["name": .string(name), "license_tier": name == "echo" ? "enterprise" : "free"], token: world.admin.token)
            }
            let byName = try await client.expect(.ok, .get, "/api/v1/admin/orgs?search=a&sort=name", token: world.admin.token).json
            // Org A matches "a" too; names sort without regard to case.
            #expect(byName["results"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Alpha", "Bravo", "charlie", "delta", "Org A"])
            let descending = try await client.expect(.ok, .get, "/api/v1/admin/orgs?sort=-name&limit=2", token: world.admin.token).json
            #expect(descending["results"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Org B", "Org A"])
            #expect(descending["count"] == 7)
            var names: [String] = []
            var next = descending["next"]?.stringValue
            while let link = next {
                let page = try await client.expect(.ok, .get, link, token: world.admin.token).json
                names += page["results"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                next = page["next"]?.stringValue
            }
            #expect(names == ["echo", "delta", "charlie", "Bravo", "Alpha"])
            let enterprise = try await client.expect(.ok, .get, "/api/v1/admin/orgs?tier=enterprise", token: world.admin.token).json
            #expect(enterprise["results"]?.arrayValue?.map { $0["name"] } == ["echo"])
            try await client.expect(.unprocessableContent, .get, "/api/v1/admin/orgs?sort=colour", token: world.admin.token)
            try await client.expect(.unprocessableContent, .get, "/api/v1/admin/orgs?status=gone", token: world.admin.token)
            try await client.expect(.unprocessableContent, .get, "/api/v1/admin/orgs?limit=500", token: world.admin.token)
            try await client.expect(.badRequest, .get, "/api/v1/admin/orgs?cursor=garbage!", token: world.admin.token)
        }
    }

    @Test func orgAdminsRenameTheirOrgButNeverTouchItsLicenseOrStatus() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let a = world.a
            let renamed = try await client.expect(.ok, .patch, "/api/v1/orgs/\(a.org)", ["name": "Org A Renamed"], token: a.orgAdmin.token)
            #expect(renamed.json["name"] == "Org A Renamed")
            #expect(try await kernel.events.emitted(requestID: renamed.requestID).first?.actorID == a.orgAdmin.id)
            try await client.expect(.forbidden, .patch, "/api/v1/orgs/\(a.org)", ["features": ["audit_export"]], token: a.orgAdmin.token)
            try await client.expect(.forbidden, .patch, "/api/v1/orgs/\(a.org)", ["status": "suspended"], token: a.orgAdmin.token)
            let detail = try await client.expect(.ok, .get, "/api/v1/orgs/\(a.org)", token: a.member.token).json
            #expect(detail["license_tier"] == "pro")
            #expect(detail["member_count"] == 3)
            #expect(detail["team_count"] == 1)
        }
    }
}
