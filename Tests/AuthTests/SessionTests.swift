import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Testing

/// Refresh tokens, their rotation and theft detection, sign-out and password changes.
@Suite("auth.local sessions")
struct SessionTests {
    @Test func refreshRotatesTheToken() async throws {
        try await AuthSite.withKernel { kernel, client in
            let first = try await client.signUp("ada@example.com")
            let refreshed = try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(first.refresh)])
            #expect(refreshed.status == .ok)
            let second = try #require(Tokens(refreshed.json))
            #expect(second.refresh != first.refresh)
            #expect(refreshed.json["expires_in"] == 900)
            #expect(JWTParts.claims(second.access)["sid"] == JWTParts.claims(first.access)["sid"], "the same session goes on")
            #expect(try await client.get("/api/v1/auth/me", token: second.access).status == .ok)
            let third = try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(second.refresh)])
            #expect(third.status == .ok)
            let stored = try await kernel.strings("SELECT token_hash FROM auth_refresh_tokens", column: "token_hash")
            #expect(stored.count == 3)
            #expect(!stored.contains(first.refresh) && !stored.contains(second.refresh), "only hashes are stored")
        }
    }

    @Test func refreshTokenReuseRevokesTheWholeFamily() async throws {
        try await AuthSite.withKernel { kernel, client in
            let stolen = try await client.signUp("ada@example.com")
            let other = try await client.signIn("ada@example.com")
            // The legitimate client refreshes; the thief later replays the old token.
            let legit = try #require(Tokens(try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(stolen.refresh)]).json))
            let replay = try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(stolen.refresh)])
            #expect(replay.status == .unauthorized)
            #expect(replay.problemType == "invalid-refresh-token")
            let events = try await kernel.events.emitted(requestID: try #require(replay.headers[.init("X-Request-ID")!]))
            #expect(events.map(\.name) == ["auth.refresh_token_reused"])
            #expect(events.first?.payload["session_id"] == JWTParts.claims(stolen.access)["sid"])

            // Every token of that session is dead now, the newest included; the user's other session is not.
            #expect(try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(legit.refresh)]).status == .unauthorized)
            #expect(try await client.get("/api/v1/auth/me", token: legit.access).status == .unauthorized)
            #expect(try await client.get("/api/v1/auth/me", token: stolen.access).status == .unauthorized)
            #expect(try await client.get("/api/v1/auth/me", token: other.access).status == .ok)
            #expect(try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(other.refresh)]).status == .ok)
        }
    }

    @Test func twoRefreshesWithOneTokenHaveOneWinner() async throws {
        try await AuthSite.withKernel { _, client in
            let tokens = try await client.signUp("ada@example.com")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask { Int(try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(tokens.refresh)]).status.code) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1)
            #expect(statuses.filter { $0 == 401 }.count == 3)
        }
    }

    @Test func badRefreshTokensAreRefused() async throws {
        try await AuthSite.withKernel { _, client in
            for token in ["", "garbage", String(repeating: "A", count: 43), String(repeating: "x", count: 5000)] {
                let response = try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(token)])
                #expect([401, 422].contains(response.status.code), "\(token.prefix(10))")
                #expect(response.contentType == "application/problem+json")
            }
            let missing = try await client.post("/api/v1/auth/refresh", [:])
            #expect(missing.status == .unprocessableContent)
            #expect(missing.json["errors"]?.arrayValue?.first?["pointer"] == "/refresh_token")
        }
    }

    @Test func refreshTokensExpire() async throws {
        try await AuthSite.withKernel(local: "email_verification_required off\nrefresh_token_ttl 60s") { kernel, client in
            let tokens = try await client.signUp("ada@example.com")
            try await kernel.database.transaction { sql in
                try await sql.raw("UPDATE auth_refresh_tokens SET expires_at = \(bind: Date().addingTimeInterval(-1))").run()
            }
            #expect(try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(tokens.refresh)]).status == .unauthorized)
        }
    }

    @Test func logoutEndsThisSessionOnly() async throws {
        try await AuthSite.withKernel { kernel, client in
            let here = try await client.signUp("ada@example.com")
            let there = try await client.signIn("ada@example.com")
            let out = try await client.post("/api/v1/auth/logout", [:], token: here.access)
            #expect(out.status == .ok)
            #expect(out.json["message"] == "Logged out successfully")
            let events = try await kernel.events.emitted(requestID: try #require(out.headers[.init("X-Request-ID")!]))
            #expect(events.map(\.name) == ["auth.logout"])
            #expect(try await client.get("/api/v1/auth/me", token: here.access).status == .unauthorized)
            #expect(try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(here.refresh)]).status == .unauthorized)
            #expect(try await client.get("/api/v1/auth/me", token: there.access).status == .ok)

            let everywhere = try await client.post("/api/v1/auth/logout", ["all": true], token: there.access)
            #expect(everywhere.json["sessions_ended"] == 1)
            #expect(try await client.get("/api/v1/auth/me", token: there.access).status == .unauthorized)
        }
    }

    @Test func changingThePasswordEndsTheOtherSessions() async throws {
        try await AuthSite.withKernel { kernel, client in
            let here = try await client.signUp("ada@example.com")
            let there = try await client.signIn("ada@example.com")
            let wrong = try await client.post("/api/v1/auth/change-password", ["current_password": "not my password", "new_password": "a brand new passphrase"],
                                              token: here.access)
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.json["errors"]?.arrayValue?.first?["pointer"] == "/current_password")
            let weak = try await client.post("/api/v1/auth/change-password", ["current_password": "correct horse battery staple", "new_password": "short"],
                                             token: here.access)
            #expect(weak.status == .unprocessableContent)
            #expect(weak.json["errors"]?.arrayValue?.first?["pointer"] == "/new_password")

            let changed = try await client.post("/api/v1/auth/change-password", [
                "current_password": "correct horse battery staple", "new_password": "a brand new passphrase", "new_password_confirm": "a brand new passphrase",
            ], token: here.access)
            #expect(changed.status == .ok)
            #expect(changed.json["sessions_ended"] == 1)
            let events = try await kernel.events.emitted(requestID: try #require(changed.headers[.init("X-Request-ID")!]))
            #expect(events.map(\.name) == ["auth.password_changed"])
            #expect(try await client.get("/api/v1/auth/me", token: here.access).status == .ok, "this session goes on")
            #expect(try await client.get("/api/v1/auth/me", token: there.access).status == .unauthorized)
            #expect(try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(there.refresh)]).status == .unauthorized)
            _ = try await client.signIn("ada@example.com", password: "a brand new passphrase")
        }
    }
}
