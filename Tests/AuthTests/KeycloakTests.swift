import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Testing

/// auth.keycloak against a Keycloak-shaped provider on a real port: discovery, keys, just-in-time users,
/// roles, every way a bad token is refused, key rotation, and living beside auth.local.
@Suite("auth.keycloak")
struct KeycloakTests {
    static let ada = KeycloakDouble.Account(password: "s3cret-in-keycloak", email: "ada@corp.example")

    @Test func aKeycloakTokenSignsInAndCreatesItsUserJustInTime() async throws {
        try await KeycloakDouble.with { keycloak in
            keycloak.addUser("ada", Self.ada)
            try await AuthSite.withKeycloak(keycloak) { kernel, client in
                let grant = try await keycloak.passwordGrant("ada", password: Self.ada.password)
                #expect(grant.status == 200)
                let token = try #require(grant.body["access_token"]?.stringValue)

                let ping = try await client.get("/api/v1/ping", token: token)
                #expect(ping.status == .ok)
                #expect(ping.json["message"] == "pong")
                #expect(ping.json["user"] == "ada@corp.example")
                #expect(ping.json["authenticator"] == "auth.keycloak")
                let userID = try #require(ping.json["claims_sub"]?.stringValue)
                #expect(userID != Self.ada.subject, "the principal is Lintel's user, not Keycloak's subject")
                let created = try await kernel.events.emitted(requestID: try #require(ping.headers[.init("X-Request-ID")!]))
                #expect(created.map(\.name) == ["user.created"])
                #expect(created.first?.payload["user"]?["email"] == "ada@corp.example")
                #expect(created.first?.payload["user"]?["first_name"] == "Ada")
                #expect(try await kernel.strings("SELECT user_id FROM user_identities WHERE subject = \(bind: Self.ada.subject)", column: "user_id")
                    .map { $0.lowercased() } == [userID])

                // The same person again: the same user, nothing emitted.
                let again = try await client.get("/api/v1/ping", token: try keycloak.accessToken(for: "ada"))
                #expect(again.json["claims_sub"] == .string(userID))
                #expect(try await kernel.events.emitted(requestID: try #require(again.headers[.init("X-Request-ID")!])).isEmpty)
                #expect(try await kernel.count("SELECT COUNT(*) AS n FROM users") == 1)

                // A changed profile in Keycloak is kept current.
                var renamed = Self.ada
                renamed.email = "ada@lovelace.example"
                renamed.lastName = "King"
                keycloak.addUser("ada", renamed)
                let updated = try await client.get("/api/v1/ping", token: try keycloak.accessToken(for: "ada"))
                #expect(updated.json["user"] == "ada@lovelace.example")
                #expect(updated.json["claims_sub"] == .string(userID))
                let events = try await kernel.events.emitted(requestID: try #require(updated.headers[.init("X-Request-ID")!]))
                #expect(events.map(\.name) == ["user.updated"])
                #expect(events.first?.payload["before"]?["email"] == "ada@corp.example")
                #expect(events.first?.payload["after"]?["email"] == "ada@lovelace.example")
                #expect(events.first?.payload["after"]?["last_name"] == "King")
            }
        }
    }

    @Test func realmRolesAndThisClientsRolesReachThePolicies() async throws {
        try await KeycloakDouble.with { keycloak in
            keycloak.addUser("plain", .init(password: "x", email: "plain@corp.example"))
            keycloak.addUser("admin", .init(password: "x", email: "admin@corp.example", realmRoles: ["platform_admin"]))
            keycloak.addUser("support", .init(password: "x", email: "support@corp.example", clientRoles: ["api": ["support_readonly"]]))
            keycloak.addUser("other", .init(password: "x", email: "other@corp.example", clientRoles: ["billing-app": ["platform_admin"]]))
            try await AuthSite.withKeycloak(keycloak) { _, client in
                let plain = try await client.get("/api/v1/protected", token: try keycloak.accessToken(for: "plain"))
                #expect(plain.status == .forbidden)
                #expect(plain.contentType == "application/problem+json")
                let admin = try await client.get("/api/v1/protected", token: try keycloak.accessToken(for: "admin"))
                #expect(admin.status == .ok)
                #expect(admin.json["message"] == "protected-ok")
                #expect(try await client.get("/api/v1/protected", token: try keycloak.accessToken(for: "support")).status == .ok,
                        "roles of this client (resource_access.api) count")
                #expect(try await client.get("/api/v1/protected", token: try keycloak.accessToken(for: "other")).status == .forbidden,
                        "another client's roles are that client's business")
                let roles = try await client.get("/api/v1/ping", token: try keycloak.accessToken(for: "support")).json["claims_roles"]?["realm"]
                #expect(roles?.arrayValue?.contains("support_readonly") == true)
                #expect(try await client.get("/api/v1/protected").status == .unauthorized)
            }
        }
    }

    /// Every kind of bad token is a 401 problem with an RFC 6750 challenge, never a 500.
    @Test func everyBadKeycloakTokenIsRefusedWithInvalidToken() async throws {
        try await KeycloakDouble.with { keycloak in
            keycloak.addUser("ada", Self.ada)
            try await AuthSite.withKeycloak(keycloak) { _, client in
                let good = try keycloak.accessToken(for: "ada")
                #expect(try await client.get("/api/v1/ping", token: good).status == .ok)
                let claims = JWTParts.claims(good)
                let stranger = try TokenMinter()
                let now = Int(Date().timeIntervalSince1970)
                func with(_ changes: [String: JSONValue?]) -> JSONValue {
                    var object = claims.objectValue ?? [:]
                    for (name, value) in changes { object[name] = value }
                    return .object(object)
                }
                let grant = try await keycloak.passwordGrant("ada", password: Self.ada.password)
                let idToken = try #require(grant.body["id_token"]?.stringValue)
                let refreshToken = try #require(grant.body["refresh_token"]?.stringValue)
                let modulus = Data(try keycloak.jwks().jsonString().utf8)
                let cases: [(String, String)] = [
                    ("malformed", "not.a-token.at all"),
                    ("truncated", String(good.dropLast(20))),
                    ("wrong signature", good.split(separator: ".").prefix(2).joined(separator: ".") + "." + TokenMinter.encode(Array(repeating: 9, count: 256))),
                    ("signed by a stranger with the realm's kid", try stranger.mint(claims, kid: keycloak.activeKid)),
                    ("unknown kid", try stranger.mint(claims, kid: "no-such-key")),
                    ("alg none", TokenMinter.unsigned(claims)),
                    ("HS256 keyed with the public key", TokenMinter.hmac(claims, kid: keycloak.activeKid, secret: modulus)),
                    ("expired", try keycloak.sign(with(["exp": .int(now - 120), "iat": .int(now - 600)]))),
                    ("not yet valid", try keycloak.sign(with(["nbf": .int(now + 600)]))),
                    ("issued in the future", try keycloak.sign(with(["iat": .int(now + 600)]))),
                    ("no exp", try keycloak.sign(with(["exp": nil]))),
                    ("wrong audience", try keycloak.sign(with(["aud": ["account"]]))),
                    ("no audience", try keycloak.sign(with(["aud": nil]))),
                    ("ID token", idToken),
                    ("refresh token", refreshToken),
                    ("no typ", try keycloak.sign(with(["typ": nil]))),
                    ("no sub", try keycloak.sign(with(["sub": nil]))),
                    ("jwk header pointing to a stranger's key", try stranger.mint(claims, kid: "attacker", header: ["jwk": ["kty": "RSA", "kid": "attacker"]])),
                    ("jku header", try stranger.mint(claims, kid: "attacker", header: ["jku": .string(keycloak.serverURL + "/evil.json")])),
                    ("x5u header", try stranger.mint(claims, kid: keycloak.activeKid, header: ["x5u": "https://evil.example/cert.pem"])),
                ]
                for (name, token) in cases {
                    let response = try await client.get("/api/v1/ping", token: token)
                    #expect(response.status == .unauthorized, "\(name)")
                    #expect(response.contentType == "application/problem+json", "\(name)")
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer error=\"invalid_token\"") == true, "\(name)")
                }
                #expect(try await client.get("/api/v1/ping", token: try keycloak.sign(with(["exp": .int(now - 120)]))).json["detail"]
                    == "The bearer token has expired.")
                #expect(try await client.get("/api/v1/ping", token: idToken).json["detail"] == "The bearer token has type ID; only access tokens (type Bearer) are accepted.")
                #expect(try await client.get("/api/v1/ping", token: try keycloak.sign(with(["aud": ["account"]]))).json["detail"]
                    == "The bearer token is meant for another audience.")
                // Another realm's token is not this realm's to judge: no authenticator accepts it.
                let otherRealm = try await client.get("/api/v1/ping", token: try keycloak.sign(with(["iss": .string(keycloak.serverURL + "/realms/other")])))
                #expect(otherRealm.status == .unauthorized)
                #expect(otherRealm.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
                #expect(try await client.get("/api/v1/ping", token: good).status == .ok, "the good token still works")
            }
        }
    }

    @Test func theAuthorizedPartyStandsInForTheAudienceOnlyWhenConfigured() async throws {
        try await KeycloakDouble.with(audience: nil) { keycloak in
            keycloak.addUser("ada", Self.ada)
            let token = try keycloak.accessToken(for: "ada")
            #expect(JWTParts.claims(token)["aud"] == ["account"])
            try await AuthSite.withKeycloak(keycloak) { _, client in
                let refused = try await client.get("/api/v1/ping", token: token)
                #expect(refused.status == .unauthorized)
            }
            try await AuthSite.withKeycloak(keycloak, keycloak: "accept_azp on") { _, client in
                #expect(try await client.get("/api/v1/ping", token: token).status == .ok)
                let otherClient = try keycloak.accessToken(for: "ada", client: "frontend")
                #expect(try await client.get("/api/v1/ping", token: otherClient).status == .unauthorized)
            }
        }
    }

    @Test func aKeyRotatedInKeycloakIsPickedUpWithoutARestart() async throws {
        try await KeycloakDouble.with { keycloak in
            keycloak.addUser("ada", Self.ada)
            try await AuthSite.withKeycloak(keycloak, keycloak: "unknown_key_refresh_spacing 100ms") { _, client in
                let old = try keycloak.accessToken(for: "ada")
                #expect(try await client.get("/api/v1/ping", token: old).status == .ok)
                let fetches = keycloak.jwksFetches

                // Keycloak makes a new key active and keeps the old one passive: both verify.
                try keycloak.rotate(dropOld: false)
                let new = try keycloak.accessToken(for: "ada")
                #expect(JWTParts.header(new)["kid"] != JWTParts.header(old)["kid"])
                #expect(try await client.get("/api/v1/ping", token: new).status == .ok)
                #expect(keycloak.jwksFetches == fetches + 1, "an unknown kid fetched the keys once")
                #expect(try await client.get("/api/v1/ping", token: old).status == .ok)

                // The old key is removed (say, compromised): its tokens stop working as soon as the keys
                // are fetched again, even though they were verified and cached before.
                try keycloak.rotate(dropOld: true)
                let newest = try keycloak.accessToken(for: "ada")
                try await eventually("the newest key is fetched (once the spacing since the last fetch has passed)") {
                    try await client.get("/api/v1/ping", token: newest).status == .ok
                }
                let refused = try await client.get("/api/v1/ping", token: old)
                #expect(refused.status == .unauthorized)
                #expect(refused.json["detail"] == "The bearer token was signed with a key this server does not know.")
            }
        }
    }

    @Test func tokensWithBogusKidsCannotHammerKeycloak() async throws {
        try await KeycloakDouble.with { keycloak in
            keycloak.addUser("ada", Self.ada)
            try await AuthSite.withKeycloak(keycloak, keycloak: "unknown_key_refresh_spacing 1h") { _, client in
                let claims = JWTParts.claims(try keycloak.accessToken(for: "ada"))
                let stranger = try TokenMinter()
                let before = keycloak.jwksFetches
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<40 {
                        group.addTask { Int(try await client.get("/api/v1/ping", token: try stranger.mint(claims, kid: "bogus-\(index)")).status.code) }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.allSatisfy { $0 == 401 })
                #expect(keycloak.jwksFetches - before <= 1, "at most one fetch per spacing, however many bogus kids arrive")
            }
        }
    }

    @Test func keycloakDownAtStartIsReportedAndItsTokensWorkOnceItIsBack() async throws {
        try await KeycloakDouble.with { keycloak in
            keycloak.addUser("ada", Self.ada)
            keycloak.setFailing(true)
            try await AuthSite.withKeycloak(keycloak, keycloak: "unknown_key_refresh_spacing 200ms") { kernel, client in
                let ready = try await client.get("/api/v1/health/ready")
                #expect(ready.status == .serviceUnavailable)
                #expect(ready.json["checks"]?["keycloak_keys"]?["status"] == "failing")
                let alerts = await kernel.alertsJSON()
                #expect(alerts.first { $0["id"] == "keycloak.jwks" }?["severity"] == "critical")
                let token = try keycloak.accessToken(for: "ada")
                let refused = try await client.get("/api/v1/ping", token: token)
                #expect(refused.status == .unauthorized, "an unavailable provider never lets a token through")
                #expect(refused.json["detail"] == "The identity provider's keys cannot be fetched; try again later.")

                keycloak.setFailing(false)
                try await eventually("the keys are fetched again") {
                    try await client.get("/api/v1/ping", token: token).status == .ok
                }
                #expect(try await client.get("/api/v1/health/ready").status == .ok)
                #expect(await kernel.alertsJSON().isEmpty, "the alert clears with the condition")
            }
        }
    }

    @Test func aDeactivatedUsersKeycloakTokensStopWorking() async throws {
        try await KeycloakDouble.with { keycloak in
            keycloak.addUser("ada", Self.ada)
            try await AuthSite.withKeycloak(keycloak, keycloak: "user_check_interval 100ms") { kernel, client in
                let token = try keycloak.accessToken(for: "ada")
                #expect(try await client.get("/api/v1/ping", token: token).status == .ok)
                try await kernel.database.transaction { sql in try await sql.raw("UPDATE users SET status = 'deactivated'").run() }
                try await eventually("the cached token is refused") {
                    try await client.get("/api/v1/ping", token: token).status == .unauthorized
                }
                let fresh = try await client.get("/api/v1/ping", token: try keycloak.accessToken(for: "ada"))
                #expect(fresh.status == .unauthorized)
                #expect(fresh.json["detail"] == "The bearer token's session has ended (signed out, password changed or account deactivated).")
            }
        }
    }

    @Test func aKeycloakAddressNeverTakesOverALocalAccount() async throws {
        try await KeycloakDouble.with { keycloak in
            keycloak.addUser("mallory", .init(password: "x", email: "ada@example.com"))
            try await AuthSite.withKeycloak(keycloak, local: true) { kernel, client in
                let local = try await client.signUp("ada@example.com")
                let localID = JWTParts.claims(local.access)["sub"]
                let ping = try await client.get("/api/v1/ping", token: try keycloak.accessToken(for: "mallory"))
                #expect(ping.status == .ok)
                #expect(ping.json["claims_sub"] != localID, "a provider's claim of an address links to nothing")
                #expect(ping.json["user"]?.stringValue?.hasSuffix(".users.invalid") == true)
                #expect(try await kernel.count("SELECT COUNT(*) AS n FROM users") == 2)
            }
        }
    }

    /// Hybrid: both kinds of token work on every route, and neither verifier accepts the other's token.
    @Test func localAndKeycloakTokensWorkSideBySideAndNeverCross() async throws {
        let minter = try TokenMinter()
        try await KeycloakDouble.with { keycloak in
            keycloak.addUser("ada", Self.ada)
            let conf = "plugin tenancy {}\nplugin auth.keycloak {\n    server_url \(keycloak.serverURL)\n    client_id api\n}\n"
                + "plugin auth.local {\n    issuer https://lintel.test\n    email_verification_required off\n    signing_key \(minter.pemPath)\n}\n"
            try await TestSite.withKernel(conf, plugins: [TenancyPlugin.self, KeycloakPlugin.self, LocalAuthPlugin.self]) { _, client in
                let local = try await client.signUp("grace@example.com")
                let localPing = try await client.get("/api/v1/ping", token: local.access)
                #expect(localPing.json["authenticator"] == "auth.local")
                let kc = try keycloak.accessToken(for: "ada")
                let kcPing = try await client.get("/api/v1/ping", token: kc)
                #expect(kcPing.json["authenticator"] == "auth.keycloak")
                let me = try await client.get("/api/v1/auth/me", token: kc)
                #expect(me.status == .ok)
                #expect(me.json["email"] == "ada@corp.example")
                #expect(me.json["auth_provider"] == "oidc")
                #expect(try await client.get("/api/v1/auth/me", token: local.access).json["auth_provider"] == "local")

                // Lintel's key claiming Keycloak's issuer, and Keycloak's key claiming Lintel's.
                let localKid = try #require(JWTParts.header(local.access)["kid"]?.stringValue)
                var asKeycloak = JWTParts.claims(kc).objectValue ?? [:]
                let forged = try minter.mint(.object(asKeycloak), kid: localKid)
                #expect(try await client.get("/api/v1/ping", token: forged).status == .unauthorized)
                asKeycloak = JWTParts.claims(local.access).objectValue ?? [:]
                let forgedLocal = try keycloak.sign(.object(asKeycloak), kid: keycloak.activeKid)
                #expect(try await client.get("/api/v1/ping", token: forgedLocal).status == .unauthorized)
                let forgedWithLocalKid = try keycloak.sign(.object(asKeycloak), kid: keycloak.activeKid, header: ["kid": .string(localKid)])
                #expect(try await client.get("/api/v1/ping", token: forgedWithLocalKid).status == .unauthorized)
            }
        }
    }
}

import Auth
import Tenancy
