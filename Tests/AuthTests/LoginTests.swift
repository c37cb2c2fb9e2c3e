@testable import Auth
import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Testing

/// Password sign-in: answers that reveal nothing, lockout and its expiry, password rules, hashing.
@Suite("auth.local login")
struct LoginTests {
    static let password = "correct horse battery staple"

    static func login(_ client: any TestClientProtocol, _ email: String, _ password: String) async throws -> TestResponse {
        try await client.post("/api/v1/auth/login", ["email": .string(email), "password": .string(password)])
    }

    @Test func anUnknownAddressAndAWrongPasswordGetTheSameAnswer() async throws {
        try await AuthSite.withKernel { kernel, client in
            _ = try await client.signUp("ada@example.com")
            let wrong = try await Self.login(client, "ada@example.com", "not the password")
            let unknown = try await Self.login(client, "nobody@example.com", "not the password")
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.json["detail"] == unknown.json["detail"])
            #expect(wrong.json["type"] == unknown.json["type"])
            #expect(wrong.json["detail"] == "Invalid email or password.")
            let events = try await kernel.events.emitted(requestID: try #require(wrong.headers[.init("X-Request-ID")!]))
            #expect(events.map(\.name) == ["auth.login_failed"])
            #expect(events.first?.payload["reason"] == "wrong_password")
            #expect(events.first?.payload["user_id"] != nil)
        }
    }

    @Test func failedLoginsLockTheAccountUntilTheLockExpires() async throws {
        try await AuthSite.withKernel(local: "email_verification_required off\nmax_failed_attempts 3\nlockout_duration 10m") { kernel, client in
            _ = try await client.signUp("ada@example.com")
            var lockEvents: [DomainEvent] = []
            for attempt in 1...3 {
                let response = try await Self.login(client, "ada@example.com", "guess \(attempt)")
                #expect(response.status == .unauthorized)
                lockEvents += try await kernel.events.emitted(requestID: try #require(response.headers[.init("X-Request-ID")!]))
            }
            #expect(lockEvents.map(\.name) == ["auth.login_failed", "auth.login_failed", "auth.login_failed", "auth.account_locked"])
            #expect(lockEvents.last?.payload["scope"] == "client")
            // Locked: even the right password is refused, with a clear answer and when to retry.
            let locked = try await Self.login(client, "ada@example.com", Self.password)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.problemType == "login-locked")
            #expect(locked.headers[.retryAfter] != nil)
            // An address without an account locks the same way: the lock reveals nothing.
            for attempt in 1...3 { _ = try await Self.login(client, "nobody@example.com", "guess \(attempt)") }
            let lockedUnknown = try await Self.login(client, "nobody@example.com", "guess 4")
            #expect(lockedUnknown.status == locked.status)
            #expect(lockedUnknown.json["detail"] == locked.json["detail"])

            // Time passes (a slow machine must not turn the window into a race: the lock's end is moved instead).
            try await kernel.database.transaction { sql in
                try await sql.raw("UPDATE auth_login_failures SET locked_until = \(bind: Date().addingTimeInterval(-1)) WHERE locked_until IS NOT NULL").run()
            }
            #expect(try await Self.login(client, "ada@example.com", Self.password).status == .ok, "the lock expired")
        }
    }

    @Test func aLockFromOneAddressDoesNotLockTheOwnerOutElsewhere() async throws {
        try await AuthSite.withKernel(local: "email_verification_required off\nmax_failed_attempts 2\naccount_lockout_threshold 4") { kernel, _ in
            let guardrail = LoginGuard(maxFailures: 2, accountThreshold: 4, lockout: .seconds(60), secret: "test")
            try await kernel.database.transaction { sql in
                #expect(try await guardrail.recordFailure(email: "ada@example.com", client: "198.51.100.7", in: sql) == nil)
                let lock = try await guardrail.recordFailure(email: "ada@example.com", client: "198.51.100.7", in: sql)
                #expect(lock?.everyone == false)
                #expect(try await guardrail.verdict(email: "ADA@example.com", client: "198.51.100.7", in: sql) != .open)
                #expect(try await guardrail.verdict(email: "ada@example.com", client: "203.0.113.9", in: sql) == .open)
                // Failures from many addresses together lock the account everywhere.
                _ = try await guardrail.recordFailure(email: "ada@example.com", client: "192.0.2.1", in: sql)
                let everywhere = try await guardrail.recordFailure(email: "ada@example.com", client: "192.0.2.2", in: sql)
                #expect(everywhere?.everyone == true)
                #expect(try await guardrail.verdict(email: "ada@example.com", client: "203.0.113.9", in: sql) != .open)
            }
        }
    }

    @Test func loginAttemptsAreThrottledPerClientAddress() async throws {
        try await AuthSite.withKernel(local: "email_verification_required off\nlogin_rate 3/day") { _, client in
            for _ in 1...3 { #expect(try await Self.login(client, "nobody@example.com", "x").status == .unauthorized) }
            let throttled = try await Self.login(client, "nobody@example.com", "x")
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] != nil)
        }
    }

    @Test func malformedRequestsAreClientErrors() async throws {
        try await AuthSite.withKernel { _, client in
            let broken = try await client.execute(uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                                                  body: .init(string: "{\"email\": "))
            #expect(broken.status == .badRequest)
            let missing = try await client.post("/api/v1/auth/login", ["email": "not-an-address"])
            #expect(missing.status == .unprocessableContent)
            let pointers = Set(missing.json["errors"]?.arrayValue?.compactMap { $0["pointer"]?.stringValue } ?? [])
            #expect(pointers == ["/password"])
            let badEmail = try await client.post("/api/v1/auth/login", ["email": "not-an-address", "password": "x"])
            #expect(badEmail.json["errors"]?.arrayValue?.first?["pointer"] == "/email")
            let wrongType = try await client.post("/api/v1/auth/register", ["email": 42, "password": "x"])
            #expect(wrongType.status == .unprocessableContent)
        }
    }

    @Test func passwordsFollowTheRules() async throws {
        try await AuthSite.withKernel { kernel, client in
            let cases: [(String, String)] = [
                ("short1!", "must be at least 8 characters long"),
                ("PassWord", "is too common: it appears in lists of the most used passwords"),
                ("ada.lovelace-rocks", "must not contain your email address"),
                ("aaaaaaaaaaaa", "must not be one character repeated"),
                (String(repeating: "xy", count: 65), "must be at most 128 characters long"),
            ]
            for (password, detail) in cases {
                let response = try await client.post("/api/v1/auth/register", ["email": "ada.lovelace@example.com", "password": .string(password)])
                #expect(response.status == .unprocessableContent, "\(password)")
                #expect(response.json["errors"]?.arrayValue?.first?["detail"] == .string(detail))
            }
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM users") == 0, "nothing was written")
            // No composition rules, and long passphrases (64+ characters, any script) are kept whole.
            let long = String(repeating: "très long mot de passe ", count: 4) + "ok"
            #expect(long.count > 64)
            #expect(try await client.post("/api/v1/auth/register", ["email": "ada@example.com", "password": .string(long)]).status == .created)
            #expect(try await Self.login(client, "ada@example.com", String(long.dropLast())).status == .unauthorized, "never truncated")
            #expect(try await Self.login(client, "ada@example.com", long).status == .ok)
            let mismatch = try await client.post("/api/v1/auth/register", ["email": "bob@example.com", "password": "a fine passphrase",
                                                                          "password_confirm": "another passphrase"])
            #expect(mismatch.json["errors"]?.arrayValue?.first?["pointer"] == "/password_confirm")
        }
    }

    @Test func passwordsAreStoredAsArgon2idThatOtherToolsVerify() async throws {
        try await AuthSite.withKernel { kernel, client in
            _ = try await client.signUp("ada@example.com")
            let hash = try #require(try await kernel.strings("SELECT password_hash FROM auth_passwords", column: "password_hash").first)
            #expect(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
            let script = "import sys, argon2; print(argon2.PasswordHasher().verify(sys.argv[1], sys.argv[2]))"
            #expect(try await Shell.run(SMTPSink.python, "-c", script, hash, Self.password).contains("True"))
        }
    }

    @Test func aHashWithOtherParametersIsReplacedAtLogin() async throws {
        try await AuthSite.withKernel { kernel, client in
            _ = try await client.signUp("ada@example.com")
            // A hash made by another tool (argon2-cffi, as Django's Argon2PasswordHasher stores it) with
            // Django's parameters.
            let script = "import sys, argon2; print(argon2.PasswordHasher(time_cost=2, memory_cost=102400, parallelism=8).hash(sys.argv[1]))"
            let foreign = try await Shell.run(SMTPSink.python, "-c", script, Self.password).trimmingCharacters(in: .whitespacesAndNewlines)
            try await kernel.database.transaction { sql in
                try await sql.raw("UPDATE auth_passwords SET password_hash = \(bind: "argon2" + foreign)").run()
            }
            #expect(try await Self.login(client, "ada@example.com", "wrong password").status == .unauthorized)
            #expect(try await Self.login(client, "ada@example.com", Self.password).status == .ok)
            let hash = try #require(try await kernel.strings("SELECT password_hash FROM auth_passwords", column: "password_hash").first)
            #expect(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"), "re-hashed with the configured parameters")
            #expect(try await Self.login(client, "ada@example.com", Self.password).status == .ok)
        }
    }
}
