import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// Platform admins and accounts: create, change, deactivate (which ends every session), list.
@Suite("user administration")
struct UserAdminTests {
    @Test func deactivatingAUserEndsTheirSessionsAndRefreshTokens() async throws {
        try await TenancyWorld.with(local: "session_check_interval 100ms") { kernel, client, world in
            let victim = try await client.signIn(world.a.member.email, password: TenancyWorld.password)
            try await client.expect(.ok, .get, "/api/v1/auth/me", token: victim.access)
            let deleted = try await client.expect(.noContent, .delete, "/api/v1/admin/users/\(world.a.member.id)", token: world.admin.token)
            let events = try await kernel.events.emitted(requestID: deleted.requestID)
            #expect(events.map(\.name) == ["user.deleted"])
            #expect(events.first?.payload["user"]?["status"] == "deactivated")
            #expect(events.first?.payload["before"]?["status"] == "active")
            try await eventually("the access token is refused") { try await client.get("/api/v1/auth/me", token: victim.access).status == .unauthorized }
            try await eventually("auth.local revoked the sessions") {
                try await kernel.count("SELECT COUNT(*) AS n FROM auth_sessions WHERE user_id = \(bind: UUID(uuidString: world.a.member.id)!) AND revoked_at IS NULL") == 0
            }
            try await client.expect(.unauthorized, .post, "/api/v1/auth/refresh", ["refresh_token": .string(victim.refresh)])
            let login = try await client.send(.post, "/api/v1/auth/login", ["email": .string(world.a.member.email), "password": .string(TenancyWorld.password)])
            #expect(login.status == .forbidden)
            #expect(login.problemType == "account-disabled")
            // A deactivated member does not count against the org's users; reactivating restores access.
            #expect(try await client.expect(.ok, .get, "/api/v1/orgs/\(world.a.org)/license", token: world.a.orgAdmin.token).json["usage"]?["users"] == 2)
            try await client.expect(.ok, .put, "/api/v1/admin/users/\(world.a.member.id)", ["status": "active"], token: world.admin.token)
            _ = try await client.signIn(world.a.member.email, password: TenancyWorld.password)
        }
    }

    @Test func adminsChangeAccountsButNotThemselvesAway() async throws {
        try await TenancyWorld.with { kernel, client, world in
            try await client.expect(.conflict, .delete, "/api/v1/admin/users/\(world.admin.id)", token: world.admin.token)
            try await client.expect(.conflict, .put, "/api/v1/admin/users/\(world.admin.id)", ["platform_roles": ["user"]], token: world.admin.token)
            let promoted = try await client.expect(.ok, .put, "/api/v1/admin/users/\(world.a.member.id)",
                                                   ["first_name": "Dev", "platform_roles": ["support_readonly"], "email": "dev@a-corp.test"], token: world.admin.token)
            #expect(promoted.json["platform_roles"] == ["support_readonly", "user"], "user is always kept")
            // Profiles are cached for reading, but a change made here shows at once.
            let me = try await client.expect(.ok, .get, "/api/v1/auth/me", token: world.a.member.token).json
            #expect(me["first_name"] == "Dev")
            #expect(me["email"] == "dev@a-corp.test")
            let events = try await kernel.events.emitted(requestID: promoted.requestID)
            #expect(events.map(\.name) == ["user.updated"])
            #expect(events.first?.payload["before"]?["email"] == "dev@a.test")
            #expect(events.first?.payload["after"]?["email"] == "dev@a-corp.test")
            try await client.expect(.conflict, .put, "/api/v1/admin/users/\(world.a.member.id)", ["email": "OWNER@a.test"], token: world.admin.token)
            try await client.expect(.unprocessableContent, .put, "/api/v1/admin/users/\(world.a.member.id)", ["platform_roles": ["god"]], token: world.admin.token)
            try await client.expect(.unprocessableContent, .put, "/api/v1/admin/users/\(world.a.member.id)", ["password": "a brand new password"], token: world.admin.token)
            // Support staff read, never write.
            try await client.expect(.ok, .get, "/api/v1/admin/users/\(world.a.member.id)", token: world.support.token)
            try await client.expect(.forbidden, .put, "/api/v1/admin/users/\(world.a.member.id)", ["first_name": "X"], token: world.support.token)
        }
    }

    @Test func anAdminCreatedUserSignsInWithTheGivenPassword() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let weak = try await client.expect(.unprocessableContent, .post, "/api/v1/admin/users", ["email": "new@x.test", "password": "12345678"], token: world.admin.token)
            #expect(weak.json["errors"]?.arrayValue?.first?["pointer"] == "/password")
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM users WHERE email_key = 'new@x.test'") == 0)
            let created = try await client.expect(.created, .post, "/api/v1/admin/users", ["email": "new@x.test", "password": "a perfectly fine passphrase",
                                                                                            "first_name": "New"], token: world.admin.token)
            #expect(created.json["status"] == "active")
            #expect(created.json["email_verified"] == true)
            #expect(try await kernel.events.emitted(requestID: created.requestID).map(\.name) == ["user.created"])
            _ = try await client.signIn("new@x.test", password: "a perfectly fine passphrase")
            try await client.expect(.conflict, .post, "/api/v1/admin/users", ["email": "NEW@x.test"], token: world.admin.token)
            // Without a password they choose one through forgot-password.
            try await client.expect(.created, .post, "/api/v1/admin/users", ["email": "nopass@x.test"], token: world.admin.token)
            try await client.expect(.unauthorized, .post, "/api/v1/auth/login", ["email": "nopass@x.test", "password": "anything at all here"])
        }
    }

    @Test func userListsFilterSortAndPage() async throws {
        try await TenancyWorld.with { _, client, world in
            let all = try await client.expect(.ok, .get, "/api/v1/admin/users?limit=3", token: world.admin.token).json
            #expect(all["count"] == 8)
            var emails = all["results"]?.arrayValue?.compactMap { $0["email"]?.stringValue } ?? []
            var next = all["next"]?.stringValue
            while let link = next {
                let page = try await client.expect(.ok, .get, link, token: world.admin.token).json
                emails += page["results"]?.arrayValue?.compactMap { $0["email"]?.stringValue } ?? []
                next = page["next"]?.stringValue
            }
            #expect(emails == ["admin@lintel.test", "dev@a.test", "dev@b.test", "lead@a.test", "lead@b.test", "owner@a.test", "owner@b.test", "support@lintel.test"])
            let orgA = try await client.expect(.ok, .get, "/api/v1/admin/users?org_id=\(world.a.org)&sort=-email", token: world.admin.token).json
            #expect(orgA["results"]?.arrayValue?.compactMap { $0["email"]?.stringValue } == ["owner@a.test", "lead@a.test", "dev@a.test"])
            let admins = try await client.expect(.ok, .get, "/api/v1/admin/users?org_id=\(world.a.org)&org_role=org_admin", token: world.admin.token).json
            #expect(admins["results"]?.arrayValue?.map { $0["email"] } == ["owner@a.test"])
            let staff = try await client.expect(.ok, .get, "/api/v1/admin/users?role=support_readonly", token: world.admin.token).json
            #expect(staff["results"]?.arrayValue?.map { $0["email"] } == ["support@lintel.test"])
            let search = try await client.expect(.ok, .get, "/api/v1/admin/users?search=LEAD", token: world.admin.token).json
            #expect(search["count"] == 2)
            let literal = try await client.expect(.ok, .get, "/api/v1/admin/users?search=%25", token: world.admin.token).json
            #expect(literal["count"] == 0, "% is matched literally")
            try await client.expect(.unprocessableContent, .get, "/api/v1/admin/users?org_id=nope", token: world.admin.token)
            let memberships = try await client.expect(.ok, .get, "/api/v1/admin/users/\(world.a.member.id)/memberships", token: world.admin.token).json
            #expect(memberships["count"] == 2)
        }
    }
}
