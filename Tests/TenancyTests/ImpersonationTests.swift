import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// Impersonation: only a platform admin who passed a second factor, never of another platform admin,
/// with a reason; the token says who acts (`act`), every request made with it is marked, and the log
/// says who, whom, why, when and until.
@Suite("impersonation")
struct ImpersonationTests {
    /// A TOTP code from PyOTP, `offset` seconds from now.
    static func code(_ secret: String, offset: Int = 0) async throws -> String {
        let script = "import sys, time, pyotp; print(pyotp.TOTP(sys.argv[1]).at(time.time() + int(sys.argv[2])))"
        return try await Shell.run(SMTPSink.python, "-c", script, secret, String(offset)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Enrols `actor` in TOTP and signs in again with both factors; returns the new access token.
    static func withSecondFactor(_ client: any TestClientProtocol, _ actor: Actor) async throws -> String {
        let secret = try #require(try await client.expect(.ok, .post, "/api/v1/auth/mfa/setup", [:], token: actor.token).json["secret"]?.stringValue)
        try await client.expect(.ok, .post, "/api/v1/auth/mfa/confirm", ["code": .string(try code(secret))], token: actor.token)
        let login = try await client.expect(.ok, .post, "/api/v1/auth/login", ["email": .string(actor.email), "password": .string(TenancyWorld.password)])
        let mfaToken = try #require(login.json["mfa_token"]?.stringValue)
        let verified = try await client.expect(.ok, .post, "/api/v1/auth/mfa/verify", ["mfa_token": .string(mfaToken), "code": .string(try code(secret, offset: 30))])
        return try #require(verified.json["access_token"]?.stringValue)
    }

    @Test func anAdminWithASecondFactorActsAsAUserAndEverythingIsMarked() async throws {
        let logs = LogSink.capture()
        try await TenancyWorld.with(logs: logs) { kernel, client, world in
            let admin = try await Self.withSecondFactor(client, world.admin)
            let target = world.a.orgAdmin
            try await client.expect(.unprocessableContent, .post, "/api/v1/admin/users/\(target.id)/impersonate", ["reason": "hm"], token: admin)
            let started = try await client.expect(.created, .post, "/api/v1/admin/users/\(target.id)/impersonate",
                                                  ["reason": "Ticket 4711: cannot see the Platform team", "minutes": 10], token: admin)
            let token = try #require(started.json["access_token"]?.stringValue)
            #expect(started.json["user"]?["email"] == .string(target.email))
            #expect(started.json["refresh_token"] == nil)
            guard case .int(let expiresIn)? = started.json["expires_in"] else { Issue.record("no expires_in"); return }
            #expect((590...600).contains(expiresIn))
            let claims = JWTParts.claims(token)
            #expect(claims["sub"] == .string(target.id))
            #expect(claims["act"] == ["sub": .string(world.admin.id)], "RFC 8693: the admin acts")
            #expect(claims["mfa"] == false, "the user's second factor was not passed")
            let events = try await kernel.events.emitted(requestID: started.requestID)
            #expect(events.map(\.name) == ["impersonation.started"])
            #expect(events.first?.actorID == world.admin.id)
            #expect(events.first?.payload["user_id"] == .string(target.id))
            #expect(events.first?.payload["reason"] == "Ticket 4711: cannot see the Platform team")

            // Acting as the user: their view, their powers, and every event names the admin behind it.
            let me = try await client.expect(.ok, .get, "/api/v1/auth/me", token: token)
            #expect(me.json["email"] == .string(target.email))
            let team = try await client.expect(.created, .post, "/api/v1/orgs/\(world.a.org)/teams", ["name": "Made under impersonation"], token: token)
            let teamEvents = try await kernel.events.emitted(requestID: team.requestID)
            #expect(teamEvents.first?.actorID == target.id)
            #expect(teamEvents.first?.impersonatorID == world.admin.id)
            #expect(logs.captured.contains { $0.contains("impersonated request") && $0.contains(world.admin.id) })
            // What is the user's alone stays theirs.
            let password = try await client.expect(.forbidden, .post, "/api/v1/auth/change-password",
                                                   ["current_password": .string(TenancyWorld.password), "new_password": "another long passphrase"], token: token)
            #expect(password.problemType == "impersonation-forbidden")
            try await client.expect(.forbidden, .post, "/api/v1/auth/mfa/setup", [:], token: token)
            try await client.expect(.forbidden, .get, "/api/v1/admin/users", token: token, headers: [:])

            let log = try await client.expect(.ok, .get, "/api/v1/admin/impersonation/logs", token: world.support.token).json
            #expect(log["count"] == 1)
            let entry = try #require(log["results"]?.arrayValue?.first)
            #expect(entry["admin"]?["email"] == .string(world.admin.email))
            #expect(entry["user"]?["email"] == .string(target.email))
            #expect(entry["reason"] == "Ticket 4711: cannot see the Platform team")
            #expect(entry["started_at"]?.stringValue != nil && entry["until"]?.stringValue != nil)
            let byUser = try await client.expect(.ok, .get, "/api/v1/admin/impersonation/logs?user_id=\(world.b.member.id)", token: world.admin.token).json
            #expect(byUser["count"] == 0)

            // Signing out ends the impersonation session.
            try await client.expect(.ok, .post, "/api/v1/auth/logout", [:], token: token)
            try await client.expect(.unauthorized, .get, "/api/v1/auth/me", token: token)
        }
    }

    @Test func platformAdminsAreNeverImpersonatedAndASecondFactorIsRequired() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let other = try await TenancyWorld.staff(kernel, client, email: "admin2@lintel.test", roles: ["platform_admin", "user"])
            let withoutMFA = try await client.expect(.forbidden, .post, "/api/v1/admin/users/\(world.a.member.id)/impersonate", ["reason": "support ticket 1"],
                                                     token: world.admin.token)
            #expect(withoutMFA.json["detail"] == "You may not start this impersonation.")
            let admin = try await Self.withSecondFactor(client, world.admin)
            try await client.expect(.forbidden, .post, "/api/v1/admin/users/\(other.id)/impersonate", ["reason": "support ticket 2"], token: admin)
            try await client.expect(.forbidden, .post, "/api/v1/admin/users/\(world.admin.id)/impersonate", ["reason": "support ticket 3"], token: admin)
            try await client.expect(.notFound, .post, "/api/v1/admin/users/\(UUID().uuidString)/impersonate", ["reason": "support ticket 4"], token: admin)
            try await client.expect(.noContent, .delete, "/api/v1/admin/users/\(world.a.member.id)", token: admin)
            try await client.expect(.conflict, .post, "/api/v1/admin/users/\(world.a.member.id)/impersonate", ["reason": "support ticket 5"], token: admin)
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM impersonations") == 0)
        }
    }
}
