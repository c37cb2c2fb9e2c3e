import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Testing

/// The email flows end to end: the mails go out through a real SMTP server and the links in them work.
@Suite("auth.local email flows")
struct EmailFlowTests {
    static let password = "correct horse battery staple"

    @Test func registerVerifyTheAddressThenSignIn() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { sink.stop() }
        try await AuthSite.withKernel(local: "email_verification_required on\nfrontend_url https://app.example.com",
                                      extra: AuthSite.mail(to: sink)) { kernel, client in
            let registered = try await client.post("/api/v1/auth/register", [
                "email": "Ada@Example.com", "password": .string(Self.password), "password_confirm": .string(Self.password), "first_name": "Ada",
            ])
            #expect(registered.status == .created)
            #expect(registered.json["message"] == "Registration successful. Please check your email to verify your account.")
            let events = try await kernel.events.emitted(requestID: try #require(registered.headers[.init("X-Request-ID")!]))
            #expect(events.map(\.name) == ["user.created"])
            #expect(events.first?.payload["user"]?["email_verified"] == false)

            // Not verified yet: the right password is not enough.
            let early = try await client.post("/api/v1/auth/login", ["email": "ada@example.com", "password": .string(Self.password)])
            #expect(early.status == .forbidden)
            #expect(early.problemType == "email-not-verified")

            try await eventually("the verification mail arrives") { !sink.messages().isEmpty }
            let mail = try #require(sink.messages().first)
            #expect(mail.recipients == ["Ada@Example.com"])
            #expect(mail.raw.contains("Subject: Verify your email address"))
            let text = mailText(mail.raw)
            #expect(text.contains("Hello Ada,"))
            #expect(text.contains("https://app.example.com/verify-email?token="))
            let token = try #require(linkToken(in: text, path: "verify-email"))
            let stored = try await kernel.strings("SELECT token_hash FROM auth_one_time_tokens", column: "token_hash")
            #expect(!stored.contains(token), "only the hash is stored")

            let verified = try await client.get("/api/v1/auth/verify-email?token=\(token)")
            #expect(verified.status == .ok)
            #expect(verified.json["message"] == "Email verified successfully")
            let again = try await client.post("/api/v1/auth/verify-email", ["token": .string(token)])
            #expect(again.status == .badRequest, "a link works once")
            #expect(again.json["errors"]?.arrayValue?.first?["pointer"] == "/token")

            let tokens = try await client.signIn("ada@example.com", password: Self.password)
            let me = try await client.get("/api/v1/auth/me", token: tokens.access)
            #expect(me.status == .ok)
            #expect(me.json["email"] == "Ada@Example.com")
            #expect(me.json["email_verified"] == true)
            #expect(me.json["first_name"] == "Ada")
            #expect(me.json["auth_provider"] == "local")
            #expect(me.json["roles"] == ["user"])
        }
    }

    @Test func resendVerificationAnswersTheSameForEveryAddressAndVoidsTheOldLink() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { sink.stop() }
        try await AuthSite.withKernel(local: "email_verification_required on", extra: AuthSite.mail(to: sink)) { _, client in
            _ = try await client.post("/api/v1/auth/register", ["email": "bob@example.com", "password": .string(Self.password)])
            try await eventually("the first mail arrives") { sink.messages().count == 1 }
            let known = try await client.post("/api/v1/auth/resend-verification", ["email": "bob@example.com"])
            let unknown = try await client.post("/api/v1/auth/resend-verification", ["email": "nobody@example.com"])
            #expect(known.status == .ok)
            #expect(unknown.status == .ok)
            #expect(known.json["message"] == unknown.json["message"])
            try await eventually("the second mail arrives") { sink.messages().count == 2 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(sink.messages().count == 2, "nothing is sent for an unknown address")
            let first = try #require(linkToken(in: mailText(sink.messages()[0].raw), path: "verify-email"))
            let second = try #require(linkToken(in: mailText(sink.messages()[1].raw), path: "verify-email"))
            #expect(try await client.post("/api/v1/auth/verify-email", ["token": .string(first)]).status == .badRequest)
            #expect(try await client.post("/api/v1/auth/verify-email", ["token": .string(second)]).status == .ok)
        }
    }

    @Test func forgotPasswordMailsAResetLinkThatEndsEverySession() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { sink.stop() }
        try await AuthSite.withKernel(local: "email_verification_required off", extra: AuthSite.mail(to: sink)) { kernel, client in
            let session = try await client.signUp("carol@example.com", password: Self.password)
            let known = try await client.post("/api/v1/auth/forgot-password", ["email": "carol@example.com"])
            let unknown = try await client.post("/api/v1/auth/forgot-password", ["email": "nobody@example.com"])
            #expect(known.status == .ok)
            #expect(known.json == unknown.json)
            try await eventually("the reset mail arrives") { sink.messages().count == 1 }
            let mail = try #require(sink.messages().first)
            #expect(mail.recipients == ["carol@example.com"])
            #expect(mail.raw.contains("Subject: Reset your password"))
            let token = try #require(linkToken(in: mailText(mail.raw), path: "reset-password"))

            let weak = try await client.post("/api/v1/auth/reset-password", ["token": .string(token), "password": "iloveyou"])
            #expect(weak.status == .unprocessableContent)
            #expect(weak.json["errors"]?.arrayValue?.first?["pointer"] == "/password")

            let reset = try await client.post("/api/v1/auth/reset-password", ["token": .string(token), "password": "a brand new passphrase"])
            #expect(reset.status == .ok)
            #expect(reset.json["message"] == "Password has been reset successfully")
            let events = try await kernel.events.emitted(requestID: try #require(reset.headers[.init("X-Request-ID")!]))
            #expect(events.map(\.name) == ["auth.password_reset"])
            #expect(events.first?.payload["sessions_ended"] == 1)

            #expect(try await client.post("/api/v1/auth/reset-password", ["token": .string(token), "password": "yet another passphrase"]).status == .badRequest)
            #expect(try await client.get("/api/v1/auth/me", token: session.access).status == .unauthorized, "the old session ended")
            #expect(try await client.post("/api/v1/auth/refresh", ["refresh_token": .string(session.refresh)]).status == .unauthorized)
            let old = try await client.post("/api/v1/auth/login", ["email": "carol@example.com", "password": .string(Self.password)])
            #expect(old.status == .unauthorized)
            _ = try await client.signIn("carol@example.com", password: "a brand new passphrase")
        }
    }

    @Test func registeringAKnownAddressAnswersTheSameAndTellsTheOwner() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { sink.stop() }
        try await AuthSite.withKernel(local: "email_verification_required on", extra: AuthSite.mail(to: sink)) { kernel, client in
            let first = try await client.post("/api/v1/auth/register", ["email": "dan@example.com", "password": .string(Self.password)])
            let second = try await client.post("/api/v1/auth/register", ["email": "DAN@example.com", "password": "another good passphrase"])
            #expect(first.status == .created)
            #expect(second.status == .created)
            #expect(first.json["message"] == second.json["message"])
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM users") == 1)
            try await eventually("two mails arrive") { sink.messages().count == 2 }
            let subjects = sink.messages().map { $0.raw.contains("Subject: You already have an account") }
            #expect(subjects.filter { $0 }.count == 1)
            // The first password still signs in once verified; the second registration changed nothing.
            let verify = try #require(sink.messages().compactMap { linkToken(in: mailText($0.raw), path: "verify-email") }.first)
            #expect(try await client.post("/api/v1/auth/verify-email", ["token": .string(verify)]).status == .ok)
            _ = try await client.signIn("dan@example.com", password: Self.password)
        }
    }
}
