@testable import Auth
import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Testing

/// auth.local's signing keys: sealed at rest, published, rotated without breaking live tokens.
@Suite("auth.local signing keys")
struct SigningKeyTests {
    static func service(_ kernel: Kernel) throws -> LocalAuthService {
        try #require(kernel.plugins.compactMap { $0 as? LocalAuthPlugin }.first).service
    }

    @Test func rotationKeepsOldTokensValidAndSignsNewOnesWithTheNewKey() async throws {
        try await AuthSite.withKernel { kernel, client in
            let before = try await client.signUp("ada@example.com")
            let oldKid = try #require(JWTParts.header(before.access)["kid"]?.stringValue)
            let newKid = try await Self.service(kernel).keys.rotate()
            #expect(newKid != oldKid)
            let published = try await client.get("/.well-known/jwks.json").json["keys"]?.arrayValue?.compactMap { $0["kid"]?.stringValue } ?? []
            #expect(Set(published) == [oldKid, newKid])
            #expect(try await client.get("/api/v1/auth/me", token: before.access).status == .ok, "tokens of the retired key still verify")
            let after = try await client.signIn("ada@example.com")
            #expect(JWTParts.header(after.access)["kid"] == .string(newKid))
            #expect(try await client.get("/api/v1/auth/me", token: after.access).status == .ok)
        }
    }

    @Test func aRetiredKeyDisappearsAfterItsRetention() async throws {
        try await AuthSite.withKernel(local: "email_verification_required off\naccess_token_ttl 60s\nkey_retention 60s") { kernel, client in
            let before = try await client.signUp("ada@example.com")
            let oldKid = try #require(JWTParts.header(before.access)["kid"]?.stringValue)
            let keys = try Self.service(kernel).keys
            _ = try await keys.rotate()
            try await kernel.database.transaction { sql in
                try await sql.raw("UPDATE auth_signing_keys SET retired_at = \(bind: Date().addingTimeInterval(-120)) WHERE kid = \(bind: oldKid)").run()
            }
            try await keys.load()
            let published = try await client.get("/.well-known/jwks.json").json["keys"]?.arrayValue?.compactMap { $0["kid"]?.stringValue } ?? []
            #expect(!published.contains(oldKid))
            #expect(published.count == 1)
        }
    }

    @Test func privateKeysAreSealedWithTheDeploymentSecret() async throws {
        try await AuthSite.withKernel { kernel, _ in
            let rows = try await kernel.database.read { sql in
                try await sql.raw("SELECT kid, sealed_private_key FROM auth_signing_keys").all().map {
                    (try $0.decode(column: "kid", as: String.self), try $0.decode(column: "sealed_private_key", as: String.self))
                }
            }
            let (kid, sealed) = try #require(rows.first)
            #expect(!sealed.contains("PRIVATE KEY"))
            #expect(throws: SecretSealer.Unreadable.self) { try SecretSealer(secret: "another secret", purpose: "lintel auth.local signing key").open(sealed, kid: kid) }
            #expect(throws: SecretSealer.Unreadable.self) { try SecretSealer(secret: SecuritySettings.insecureDefaultKey, purpose: "lintel auth.local signing key").open(sealed, kid: "another-row") }
            #expect((try? SecretSealer(secret: SecuritySettings.insecureDefaultKey, purpose: "lintel auth.local signing key").open(sealed, kid: kid)) != nil)
        }
    }

    @Test func aConfiguredPEMKeySignsAndBothPEMKindsLoad() async throws {
        let minter = try TokenMinter()
        #expect(throws: Never.self) { try SigningKey.privateKey(pem: minter.key.pemRepresentation) }
        try await AuthSite.withKernel(local: "email_verification_required off\nsigning_key \(minter.pemPath)") { _, client in
            let tokens = try await client.signUp("ada@example.com")
            let jwks = try await client.get("/.well-known/jwks.json").json
            let primitives = try minter.key.publicKey.getKeyPrimitives()
            let configured = SigningKey.thumbprint(n: primitives.modulus, e: primitives.publicExponent)
            #expect(JWTParts.header(tokens.access)["kid"] == .string(configured))
            #expect(jwks["keys"]?.arrayValue?.contains { $0["kid"] == .string(configured) } == true)
        }
    }
}
