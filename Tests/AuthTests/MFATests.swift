@testable import Auth
import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Testing

/// TOTP second factor, with codes computed independently (PyOTP).
@Suite("auth.local TOTP MFA")
struct MFATests {
    /// A code for `secret` at now + `offset` seconds, from PyOTP.
    static func code(_ secret: String, offset: Int = 0) async throws -> String {
        let script = "import sys, time, pyotp; print(pyotp.TOTP(sys.argv[1]).at(time.time() + int(sys.argv[2])))"
        return try await Shell.run(SMTPSink.python, "-c", script, secret, String(offset)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theRFCTestVectorsHold() {
        let key = Array("12345678901234567890".utf8)
        let hotp = (0..<10).map { TOTP(secret: key).code(counter: Int64($0)) }
        #expect(hotp == ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"])
        #expect(TOTP.step(at: Date(timeIntervalSince1970: 59)) == 1)
        #expect(TOTP.step(at: Date(timeIntervalSince1970: 1_111_111_109)) == 37_037_036)
        #expect(TOTP(secret: key).code(counter: 37_037_036) == "081804", "RFC 6238 B: 07081804, last six digits")
        #expect(Base32.encode(key) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(Base32.decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq") == key)
    }

    @Test func enrolConfirmAndSignInWithASecondFactor() async throws {
        try await AuthSite.withKernel { kernel, client in
            let first = try await client.signUp("ada@example.com")
            let setup = try await client.post("/api/v1/auth/mfa/setup", [:], token: first.access)
            #expect(setup.status == .ok)
            let secret = try #require(setup.json["secret"]?.stringValue)
            #expect(secret.count == 32, "160 bits")
            #expect(setup.json["provisioning_uri"] == .string("otpauth://totp/Lintel:ada%40example.com?secret=\(secret)&issuer=Lintel&algorithm=SHA1&digits=6&period=30"))
            let stored = try await kernel.strings("SELECT sealed_secret FROM auth_totp", column: "sealed_secret")
            #expect(stored.count == 1 && !stored[0].contains(secret), "the secret is sealed at rest")

            #expect(try await client.post("/api/v1/auth/mfa/confirm", ["code": "000000"], token: first.access).status == .unprocessableContent)
            let confirmed = try await client.post("/api/v1/auth/mfa/confirm", ["code": .string(try Self.code(secret))], token: first.access)
            #expect(confirmed.status == .ok)
            let recovery = try #require(confirmed.json["backup_codes"]?.arrayValue?.compactMap { $0.stringValue })
            #expect(recovery.count == 10)
            #expect(Set(recovery).count == 10)
            let events = try await kernel.events.emitted(requestID: try #require(confirmed.headers[.init("X-Request-ID")!]))
            #expect(events.map(\.name) == ["auth.mfa_enabled"])
            #expect(try await client.get("/api/v1/auth/mfa/status", token: first.access).json["enabled"] == true)

            // The password alone now yields a challenge, not tokens.
            let login = try await client.post("/api/v1/auth/login", ["email": "ada@example.com", "password": "correct horse battery staple"])
            #expect(login.status == .ok)
            #expect(login.json["mfa_required"] == true)
            #expect(login.json["access_token"] == nil)
            let mfaToken = try #require(login.json["mfa_token"]?.stringValue)

            // The next step's code (the window allows one step of drift); the same code again is refused.
            let next = try await Self.code(secret, offset: 30)
            let verified = try await client.post("/api/v1/auth/mfa/verify", ["mfa_token": .string(mfaToken), "code": .string(next)])
            #expect(verified.status == .ok)
            let tokens = try #require(Tokens(verified.json))
            #expect(JWTParts.claims(tokens.access)["amr"] == ["pwd", "otp", "mfa"])
            #expect(JWTParts.claims(tokens.access)["mfa"] == true)
            #expect(try await client.get("/api/v1/auth/me", token: tokens.access).json["mfa_enabled"] == true)
            #expect(try await client.post("/api/v1/auth/mfa/verify", ["mfa_token": .string(mfaToken), "code": .string(next)]).status == .unauthorized,
                    "an MFA step works once")

            let again = try #require(try await client.post("/api/v1/auth/login", ["email": "ada@example.com", "password": "correct horse battery staple"])
                .json["mfa_token"]?.stringValue)
            let replay = try await client.post("/api/v1/auth/mfa/verify", ["mfa_token": .string(again), "code": .string(next)])
            #expect(replay.status == .unauthorized, "a TOTP code is accepted once")
            #expect(replay.problemType == "invalid-mfa-code")

            // A recovery code works once, in any case and with or without its dash.
            let withRecovery = try await client.post("/api/v1/auth/mfa/verify", ["mfa_token": .string(again), "code": .string(recovery[0].uppercased())])
            #expect(withRecovery.status == .ok)
            #expect(JWTParts.claims(try #require(Tokens(withRecovery.json)).access)["amr"] == ["pwd", "mfa"])
            #expect(try await client.get("/api/v1/auth/mfa/status", token: tokens.access).json["backup_codes_remaining"] == 9)

            // Turning MFA off takes a valid code.
            #expect(try await client.post("/api/v1/auth/mfa/disable", ["code": .string(recovery[0])], token: tokens.access).status == .unprocessableContent)
            let off = try await client.post("/api/v1/auth/mfa/disable", ["code": .string(recovery[1].replacingOccurrences(of: "-", with: ""))], token: tokens.access)
            #expect(off.status == .ok)
            let plain = try await client.post("/api/v1/auth/login", ["email": "ada@example.com", "password": "correct horse battery staple"])
            #expect(plain.json["access_token"] != nil)
        }
    }

    @Test func anMFAStepDiesAfterFiveWrongCodes() async throws {
        try await AuthSite.withKernel { kernel, client in
            let session = try await client.signUp("ada@example.com")
            let secret = try #require(try await client.post("/api/v1/auth/mfa/setup", [:], token: session.access).json["secret"]?.stringValue)
            #expect(try await client.post("/api/v1/auth/mfa/confirm", ["code": .string(try Self.code(secret))], token: session.access).status == .ok)
            let mfaToken = try #require(try await client.post("/api/v1/auth/login", ["email": "ada@example.com", "password": "correct horse battery staple"])
                .json["mfa_token"]?.stringValue)
            for guess in ["111111", "222222", "333333", "444444", "555555"] {
                let wrong = try await client.post("/api/v1/auth/mfa/verify", ["mfa_token": .string(mfaToken), "code": .string(guess)])
                #expect(wrong.status == .unauthorized)
            }
            let late = try await client.post("/api/v1/auth/mfa/verify", ["mfa_token": .string(mfaToken), "code": .string(try Self.code(secret, offset: 30))])
            #expect(late.status == .unauthorized)
            #expect(late.problemType == "invalid-mfa-token")
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM lintel_events WHERE name = 'auth.mfa_failed'") == 5)
        }
    }
}
