import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// Invitations end to end through a real SMTP server: the mail, its single-use link, accepting with a
/// password, resending.
@Suite("invitations")
struct InvitationTests {
    @Test func anInvitedUserAcceptsTheMailedLinkSetsAPasswordAndSignsIn() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { sink.stop() }
        try await TenancyWorld.with(tenancy: "frontend_url https://app.example.com", extra: sink.mailBlock) { kernel, client, world in
            try await client.expect(.ok, .put, "/api/v1/admin/settings/site", ["site_name": "Acme Cloud"], token: world.admin.token)
            let invited = try await client.expect(.created, .post, "/api/v1/admin/users/invite",
                                                  ["email": "Grace@Example.com", "first_name": "Grace", "org_id": .string(world.a.org), "roles": ["org_admin"],
                                                   "team_id": .string(world.a.team), "team_roles": ["team_admin"]], token: world.admin.token)
            let userID = try invited.id()
            #expect(invited.json["status"] == "invited")
            let events = try await kernel.events.emitted(requestID: invited.requestID)
            #expect(events.map(\.name) == ["user.created", "membership.created", "membership.created"])
            // An invited user has no password yet: signing in fails like any wrong password.
            try await client.expect(.unauthorized, .post, "/api/v1/auth/login", ["email": "grace@example.com", "password": .string(TenancyWorld.password)])

            try await eventually("the invitation arrives") { !sink.messages().isEmpty }
            let mail = try #require(sink.messages().first)
            #expect(mail.recipients == ["Grace@Example.com"])
            #expect(mail.raw.contains("Subject: You are invited to Acme Cloud"))
            let text = mailText(mail.raw)
            #expect(text.contains("Hello Grace,"))
            #expect(text.contains("admin@lintel.test invited you to Acme Cloud to join Org A"))
            #expect(text.contains("https://app.example.com/accept-invite?token="))
            let token = try #require(linkToken(in: text, path: "accept-invite"))
            #expect(try await kernel.strings("SELECT token_hash FROM invitations", column: "token_hash").contains(token) == false, "only a hash is stored")

            let weak = try await client.expect(.unprocessableContent, .post, "/api/v1/auth/accept-invite", ["token": .string(token), "password": "password"])
            #expect(weak.json["errors"]?.arrayValue?.first?["pointer"] == "/password")
            try await client.expect(.unprocessableContent, .post, "/api/v1/auth/accept-invite", ["token": .string(token)])
            let accepted = try await client.expect(.ok, .post, "/api/v1/auth/accept-invite", ["token": .string(token), "password": .string(TenancyWorld.password)])
            #expect(accepted.json["email"] == "Grace@Example.com")
            let update = try await kernel.events.emitted(requestID: accepted.requestID)
            #expect(update.map(\.name) == ["user.updated"])
            #expect(update.first?.payload["after"]?["status"] == "active")
            #expect(update.first?.payload["after"]?["email_verified"] == true)
            #expect(update.first?.actorID == userID)
            // The link works once.
            let again = try await client.expect(.badRequest, .post, "/api/v1/auth/accept-invite", ["token": .string(token), "password": .string(TenancyWorld.password)])
            #expect(again.problemType == "invalid-token")

            let tokens = try await client.signIn("grace@example.com", password: TenancyWorld.password)
            #expect(JWTParts.claims(tokens.access)["org_id"] == .string(world.a.org))
            #expect(JWTParts.claims(tokens.access)["team_ids"] == [.string(world.a.team)])
            try await client.expect(.created, .post, "/api/v1/orgs/\(world.a.org)/teams", ["name": "Grace's"], token: tokens.access)
        }
    }

    @Test func resendingReplacesTheLinkAndOnlyInvitedUsersGetOne() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { sink.stop() }
        try await TenancyWorld.with(extra: sink.mailBlock) { _, client, world in
            let user = try await client.expect(.created, .post, "/api/v1/admin/users/invite", ["email": "late@example.com"], token: world.admin.token).id()
            try await eventually("the first invitation arrives") { sink.messages().count == 1 }
            try await client.expect(.ok, .post, "/api/v1/admin/users/\(user)/resend-invite", token: world.admin.token)
            try await eventually("the second invitation arrives") { sink.messages().count == 2 }
            let first = try #require(linkToken(in: mailText(sink.messages()[0].raw), path: "accept-invite"))
            let second = try #require(linkToken(in: mailText(sink.messages()[1].raw), path: "accept-invite"))
            #expect(first != second)
            try await client.expect(.badRequest, .post, "/api/v1/auth/accept-invite", ["token": .string(first), "password": .string(TenancyWorld.password)])
            try await client.expect(.ok, .post, "/api/v1/auth/accept-invite", ["token": .string(second), "password": .string(TenancyWorld.password)])
            let active = try await client.expect(.conflict, .post, "/api/v1/admin/users/\(user)/resend-invite", token: world.admin.token)
            #expect(active.json["detail"]?.stringValue?.contains("not an invited user") == true)
            try await client.expect(.conflict, .post, "/api/v1/admin/users/invite", ["email": "LATE@example.com"], token: world.admin.token)
            try await client.expect(.badRequest, .post, "/api/v1/auth/accept-invite", ["token": "not-a-token", "password": .string(TenancyWorld.password)])
        }
    }

    @Test func anExpiredInvitationIsRefused() async throws {
        try await TenancyWorld.with { kernel, client, world in
            try await client.expect(.created, .post, "/api/v1/admin/users/invite", ["email": "slow@example.com"], token: world.admin.token)
            let mail = try #require(try await kernel.strings("SELECT payload FROM lintel_jobs WHERE kind = 'mail.send' ORDER BY created_at DESC", column: "payload").first)
            let token = try #require(linkToken(in: mail.replacingOccurrences(of: "\\/", with: "/"), path: "accept-invite"))
            try await kernel.database.transaction { sql in
                try await sql.raw("UPDATE invitations SET expires_at = \(bind: Date().addingTimeInterval(-1))").run()
            }
            try await client.expect(.badRequest, .post, "/api/v1/auth/accept-invite", ["token": .string(token), "password": .string(TenancyWorld.password)])
            #expect(try await kernel.strings("SELECT status FROM users WHERE email_key = 'slow@example.com'", column: "status") == ["invited"])
        }
    }
}
