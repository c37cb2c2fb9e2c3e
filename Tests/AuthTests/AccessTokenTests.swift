import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Testing

/// auth.local's access tokens: their claims, their keys, and every way a bad one is refused.
@Suite("auth.local access tokens")
struct AccessTokenTests {
    @Test func accessTokensCarryTheReferenceClaimsAndVerifyAgainstThePublishedKeys() async throws {
        try await AuthSite.withKernel(local: "email_verification_required off\naccess_token_ttl 10m") { _, client in
            let login = try await client.post("/api/v1/auth/register", ["email": "ada@example.com", "password": "correct horse battery staple",
                                                                        "first_name": "Ada", "last_name": "Lovelace"])
            #expect(login.status == .created)
            let response = try await client.post("/api/v1/auth/login", ["email": "ada@example.com", "password": "correct horse battery staple"])
            #expect(response.status == .ok)
            #expect(response.json["token_type"] == "Bearer")
            #expect(response.json["expires_in"] == 600)
            let token = try #require(response.json["access_token"]?.stringValue)
            let header = JWTParts.header(token)
            #expect(header["alg"] == "RS256")
            #expect(header["typ"] == "at+jwt")
            let claims = JWTParts.claims(token)
            #expect(claims["iss"] == "https://lintel.test")
            #expect(claims["aud"] == "lintel")
            #expect(claims["typ"] == "Bearer")
            #expect(claims["email"] == "ada@example.com")
            #expect(claims["name"] == "Ada Lovelace")
            #expect(claims["realm_access"]?["roles"] == ["user"])
            #expect(claims["team_ids"] == [])
            #expect(claims["amr"] == ["pwd"])
            #expect(claims["mfa"] == false)
            let iat = try #require(claims["iat"].flatMap { if case .int(let i) = $0 { i } else { nil } })
            #expect(claims["exp"] == .int(iat + 600))
            #expect(claims["jti"]?.stringValue?.isEmpty == false)

            let jwks = try await client.get("/.well-known/jwks.json")
            #expect(jwks.status == .ok)
            #expect(jwks.contentType == "application/jwk-set+json")
            let keys = try #require(jwks.json["keys"]?.arrayValue)
            #expect(keys.count == 1)
            #expect(keys.first?["kid"] == header["kid"])
            #expect(keys.first?["use"] == "sig")
            #expect(keys.first?["d"] == nil, "no private part is published")

            // PyJWT checks the token against the published JWKS: signature, audience, issuer, expiry.
            let script = """
                import json, sys, jwt
                keys = jwt.PyJWKSet.from_dict(json.loads(sys.argv[1]))
                token = sys.argv[2]
                kid = jwt.get_unverified_header(token)["kid"]
                key = next(k for k in keys.keys if k.key_id == kid)
                claims = jwt.decode(token, key=key, algorithms=["RS256"], audience="lintel", issuer="https://lintel.test")
                print(claims["email"])
                """
            let output = try await Shell.run(SMTPSink.python, "-c", script, jwks.text, token)
            #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "ada@example.com")
        }
    }

    /// Every kind of bad token is a 401 problem with an RFC 6750 challenge, never a 500.
    @Test func badTokensAreRefusedWithInvalidToken() async throws {
        let minter = try TokenMinter()
        let stranger = try TokenMinter()
        try await AuthSite.withKernel(local: "email_verification_required off\nsigning_key \(minter.pemPath)") { _, client in
            let good = try await client.signUp("ada@example.com")
            let claims = JWTParts.claims(good.access)
            let kid = try #require(JWTParts.header(good.access)["kid"]?.stringValue)
            #expect(try await client.get("/api/v1/auth/me", token: good.access).status == .ok)
            #expect(try await client.get("/api/v1/auth/me", token: try minter.mint(claims, kid: kid)).status == .ok,
                    "the test's minter signs like the server")

            func with(_ changes: [String: JSONValue?]) -> JSONValue {
                var object = claims.objectValue ?? [:]
                for (name, value) in changes { object[name] = value }
                return .object(object)
            }
            let now = Int(Date().timeIntervalSince1970)
            let jwkBytes = Data(try await client.get("/.well-known/jwks.json").text.utf8)
            let cases: [(String, String)] = [
                ("malformed", "not.a-token.at all"),
                ("truncated", String(good.access.dropLast(20))),
                ("two parts", good.access.split(separator: ".").prefix(2).joined(separator: ".") + "."),
                ("wrong signature", String(good.access.split(separator: ".").prefix(2).joined(separator: ".")) + "." + TokenMinter.encode(Array(repeating: 7, count: 256))),
                ("signed by a stranger", try stranger.mint(claims, kid: kid)),
                ("unknown kid", try minter.mint(claims, kid: "no-such-key")),
                ("alg none", TokenMinter.unsigned(claims)),
                ("HS256 with the public key", TokenMinter.hmac(claims, kid: kid, secret: jwkBytes)),
                ("expired", try minter.mint(with(["exp": .int(now - 120), "iat": .int(now - 1000)]), kid: kid)),
                ("not yet valid", try minter.mint(with(["nbf": .int(now + 600)]), kid: kid)),
                ("issued in the future", try minter.mint(with(["iat": .int(now + 600)]), kid: kid)),
                ("wrong audience", try minter.mint(with(["aud": "someone-else"]), kid: kid)),
                ("ID token", try minter.mint(with(["typ": "ID"]), kid: kid)),
                ("no exp", try minter.mint(with(["exp": nil]), kid: kid)),
                ("no session", try minter.mint(with(["sid": nil]), kid: kid)),
                ("jku pointing elsewhere", try stranger.mint(claims, kid: kid, header: ["jku": "https://evil.example/jwks.json"])),
                ("crit header", try minter.mint(claims, kid: kid, header: ["crit": ["exp"]])),
            ]
            for (name, token) in cases {
                let response = try await client.get("/api/v1/auth/me", token: token)
                #expect(response.status == .unauthorized, "\(name)")
                #expect(response.contentType == "application/problem+json", "\(name)")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer error=\"invalid_token\"") == true, "\(name)")
            }
            // Another issuer's token is not ours to judge: no authenticator accepts it.
            let foreign = try await client.get("/api/v1/auth/me", token: try minter.mint(with(["iss": "https://elsewhere.example"]), kid: kid))
            #expect(foreign.status == .unauthorized)
            #expect(foreign.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
            let expired = try await client.get("/api/v1/auth/me", token: try minter.mint(with(["exp": .int(now - 120)]), kid: kid))
            #expect(expired.json["detail"] == "The bearer token has expired.")
        }
    }

    @Test func theBearerSchemeIsReadAsRFC6750Says() async throws {
        try await AuthSite.withKernel(local: "email_verification_required off") { _, client in
            let token = try await client.signUp("ada@example.com").access
            func me(_ authorization: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/auth/me", method: .get, headers: [.authorization: authorization])
            }
            // The scheme is case-insensitive, and spaces or tabs around the token do not matter.
            for header in ["Bearer \(token)", "bearer \(token)", "BEARER\t\(token)", "  Bearer   \(token)  "] {
                let response = try await me(header)
                #expect(response.status == .ok, "\(header.prefix(10))")
                #expect(response.json["email"] == "ada@example.com")
            }
            // Another scheme, no token, or the token glued to the scheme is no credential of ours.
            for header in ["Basic \(token)", "Bearer", "Bearer   ", "Bearer\(token)", "Token \(token)"] {
                let response = try await me(header)
                #expect(response.status == .unauthorized, "\(header.prefix(10))")
                #expect(response.contentType == "application/problem+json")
            }
        }
    }

    @Test func signedOutUsersMeIsUnauthorized() async throws {
        try await AuthSite.withKernel { _, client in
            let anonymous = try await client.get("/api/v1/auth/me")
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.contentType == "application/problem+json")
            #expect(try await client.post("/api/v1/auth/logout", [:]).status == .unauthorized)
        }
    }
}
