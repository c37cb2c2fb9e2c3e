import Crypto
import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Logging
import NIOCore
import Synchronization

/// A Keycloak-shaped OIDC provider on a real port, speaking Keycloak's wire format: the discovery document
/// and the JWKS under `/realms/{realm}/…` (an `RSA-OAEP` encryption key published beside the signing
/// keys, as Keycloak does), the password grant at the token endpoint, and access and ID tokens with
/// Keycloak's claims. Keys rotate on demand, fetches are counted, and it can be told to fail.
/// No packaged OIDC mock has Keycloak's paths, its token shape and key rotation (shared/design/PEERS.md).
final class KeycloakDouble: Sendable {
    struct Key: @unchecked Sendable {
        let kid: String
        let key: _RSA.Signing.PrivateKey
    }

    struct Account: Sendable {
        var password: String
        var subject = UUID().uuidString.lowercased()
        var email: String
        var firstName = "Ada"
        var lastName = "Lovelace"
        var realmRoles: [String] = []
        /// Client id → that client's roles (`resource_access`).
        var clientRoles: [String: [String]] = [:]
    }

    private struct State {
        var base = ""
        var active: Key
        var published: [Key]
        var users: [String: Account] = [:]
        var discoveryFetches = 0
        var jwksFetches = 0
        var failing = false
    }

    let realm: String
    /// The audience the token endpoint's audience mapper adds (Keycloak adds none without one).
    let audience: String?
    private let encryptionKey: _RSA.Signing.PrivateKey
    private let state: Mutex<State>

    init(realm: String = "app", audience: String? = "api") throws {
        self.realm = realm
        self.audience = audience
        let first = Key(kid: Self.newKid(), key: try _RSA.Signing.PrivateKey(keySize: .bits2048))
        state = Mutex(State(active: first, published: [first]))
        encryptionKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    }

    /// Runs the double on 127.0.0.1 for the duration of `body`.
    static func with<T: Sendable>(realm: String = "app", audience: String? = "api", _ body: @escaping @Sendable (KeycloakDouble) async throws -> T) async throws -> T {
        let double = try KeycloakDouble(realm: realm, audience: audience)
        let app = Application(router: double.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              logger: Logger(label: "keycloak-double"))
        return try await app.test(.live) { client in
            guard let port = client.port else { throw KeycloakDoubleError("the double has no port") }
            double.state.withLock { $0.base = "http://127.0.0.1:\(port)" }
            return try await body(double)
        }
    }

    // MARK: What tests set and read

    /// `http://127.0.0.1:<port>`: the `server_url` of `plugin auth.keycloak`.
    var serverURL: String { state.withLock { $0.base } }
    var issuer: String { serverURL + "/realms/" + realm }
    var activeKid: String { state.withLock { $0.active.kid } }
    var jwksFetches: Int { state.withLock { $0.jwksFetches } }
    var discoveryFetches: Int { state.withLock { $0.discoveryFetches } }

    /// While failing, discovery and JWKS answer 503.
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func addUser(_ username: String, _ account: Account) { state.withLock { $0.users[username] = account } }

    func account(_ username: String) -> Account? { state.withLock { $0.users[username] } }

    /// A new signing key becomes active; the old one stays published (Keycloak's passive key) unless
    /// `dropOld`.
    func rotate(dropOld: Bool) throws {
        let key = Key(kid: Self.newKid(), key: try _RSA.Signing.PrivateKey(keySize: .bits2048))
        state.withLock { state in
            state.published = dropOld ? [key] : state.published + [key]
            state.active = key
        }
    }

    // MARK: Tokens

    /// An access token for `username` as the token endpoint issues it, with `overrides` applied (`nil`
    /// removes a claim).
    func accessToken(for username: String, client: String = "api", overrides: [String: JSONValue?] = [:]) throws -> String {
        guard let account = account(username) else { throw KeycloakDoubleError("no user \(username)") }
        var claims = claimsFor(account, client: client, type: "Bearer")
        for (name, value) in overrides { claims[name] = value }
        return try sign(.object(claims))
    }

    /// Keycloak's access-token claims for `account`.
    func claimsFor(_ account: Account, client: String, type: String) -> [String: JSONValue] {
        let now = Int(Date().timeIntervalSince1970)
        var resourceAccess: [String: JSONValue] = ["account": ["roles": ["manage-account", "view-profile"]]]
        for (client, roles) in account.clientRoles { resourceAccess[client] = ["roles": .array(roles.map { .string($0) })] }
        var audiences: [JSONValue] = ["account"]
        if let audience { audiences.insert(.string(audience), at: 0) }
        return [
            "exp": .int(now + 300), "iat": .int(now), "auth_time": .int(now), "jti": .string(UUID().uuidString.lowercased()),
            "iss": .string(issuer), "aud": .array(audiences), "sub": .string(account.subject), "typ": .string(type),
            "azp": .string(client), "sid": .string(UUID().uuidString.lowercased()), "acr": "1",
            "allowed-origins": ["http://localhost:5173"],
            "realm_access": ["roles": .array((["offline_access", "uma_authorization", "default-roles-\(realm)"] + account.realmRoles).map { .string($0) })],
            "resource_access": .object(resourceAccess), "scope": "openid profile email", "email_verified": true,
            "name": .string("\(account.firstName) \(account.lastName)"), "preferred_username": .string(account.email),
            "given_name": .string(account.firstName), "family_name": .string(account.lastName), "email": .string(account.email),
        ]
    }

    /// Signs `claims` with the active key (or the published key `kid`), RS256, Keycloak's header.
    func sign(_ claims: JSONValue, kid: String? = nil, header extra: [String: JSONValue] = [:]) throws -> String {
        let key = state.withLock { state in kid.flatMap { kid in state.published.first { $0.kid == kid } } ?? state.active }
        var header: [String: JSONValue] = ["alg": "RS256", "typ": "JWT", "kid": .string(kid ?? key.kid)]
        for (name, value) in extra { header[name] = value }
        let input = TokenMinter.encode(Array(JSONValue.object(header).jsonString().utf8)) + "." + TokenMinter.encode(Array(claims.jsonString().utf8))
        let signature = try key.key.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
        return input + "." + TokenMinter.encode(Array(signature.rawRepresentation))
    }

    /// The realm's JWKS as Keycloak serves it (its signing keys' `n`, for HS256 confusion attempts).
    func jwks() throws -> JSONValue {
        let keys = state.withLock { $0.published }
        var entries: [JSONValue] = try keys.map { try Self.jwk($0.key.publicKey, kid: $0.kid, alg: "RS256", use: "sig") }
        entries.append(try Self.jwk(encryptionKey.publicKey, kid: "enc-" + Self.newKid(), alg: "RSA-OAEP", use: "enc"))
        return ["keys": .array(entries)]
    }

    /// What a client does: `grant_type=password` at the token endpoint, over HTTP.
    func passwordGrant(_ username: String, password: String, client: String = "api") async throws -> (status: Int, body: JSONValue) {
        let form = ["grant_type=password", "client_id=\(client)", "scope=openid",
                    "username=\(username.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
                    "password=\(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"].joined(separator: "&")
        let response = try await HTTPClient().send(HTTPClientRequest(method: "POST", url: issuer + "/protocol/openid-connect/token",
                                                                     headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                                     body: Array(form.utf8)))
        return (response.status, (try? JSONDecoder().decode(JSONValue.self, from: Data(response.body))) ?? .null)
    }

    // MARK: Wire format

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        let realmPath = "/realms/\(realm)"
        router.get("\(realmPath)/.well-known/openid-configuration") { [self] _, _ in
            let (failing, base) = state.withLock { state in
                state.discoveryFetches += 1
                return (state.failing, state.base)
            }
            if failing { return Self.json(["error": "unavailable"], status: .serviceUnavailable) }
            let issuer = base + realmPath
            return Self.json([
                "issuer": .string(issuer), "authorization_endpoint": .string(issuer + "/protocol/openid-connect/auth"),
                "token_endpoint": .string(issuer + "/protocol/openid-connect/token"),
                "userinfo_endpoint": .string(issuer + "/protocol/openid-connect/userinfo"),
                "jwks_uri": .string(issuer + "/protocol/openid-connect/certs"),
                "grant_types_supported": ["authorization_code", "password", "refresh_token", "client_credentials"],
                "id_token_signing_alg_values_supported": ["RS256"], "response_types_supported": ["code"],
                "subject_types_supported": ["public", "pairwise"],
            ])
        }
        router.get("\(realmPath)/protocol/openid-connect/certs") { [self] _, _ in
            let failing = state.withLock { state in
                state.jwksFetches += 1
                return state.failing
            }
            if failing { return Self.json(["error": "unavailable"], status: .serviceUnavailable) }
            return Self.json(try jwks())
        }
        router.post("\(realmPath)/protocol/openid-connect/token") { [self] request, _ in
            let form = Self.form(String(buffer: try await request.body.collect(upTo: 1 << 16)))
            guard form["grant_type"] == "password" else {
                return Self.json(["error": "unsupported_grant_type", "error_description": "Unsupported grant_type"], status: .badRequest)
            }
            let client = form["client_id"] ?? ""
            guard let username = form["username"], let account = account(username), account.password == form["password"] else {
                return Self.json(["error": "invalid_grant", "error_description": "Invalid user credentials"], status: .unauthorized)
            }
            let access = claimsFor(account, client: client, type: "Bearer")
            var id = access
            id["typ"] = "ID"
            id["aud"] = .string(client)
            for name in ["realm_access", "resource_access", "scope", "allowed-origins"] { id[name] = nil }
            return Self.json([
                "access_token": .string(try sign(.object(access))), "expires_in": 300, "refresh_expires_in": 1800,
                "refresh_token": .string(try sign(.object(["typ": "Refresh", "iss": .string(issuer), "sub": .string(account.subject),
                                                           "exp": access["exp"] ?? 0]))),
                "token_type": "Bearer", "id_token": .string(try sign(.object(id))), "not-before-policy": 0,
                "session_state": access["sid"] ?? "", "scope": "openid profile email",
            ])
        }
        return router
    }

    private static func jwk(_ key: _RSA.Signing.PublicKey, kid: String, alg: String, use: String) throws -> JSONValue {
        let primitives = try key.getKeyPrimitives()
        return ["kid": .string(kid), "kty": "RSA", "alg": .string(alg), "use": .string(use),
                "n": .string(TokenMinter.encode(Array(primitives.modulus))), "e": .string(TokenMinter.encode(Array(primitives.publicExponent)))]
    }

    private static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: value.jsonString())))
    }

    /// `application/x-www-form-urlencoded` fields.
    private static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    private static func newKid() -> String { TokenMinter.encode(Array(UUID().uuidString.utf8)).prefix(22).description }
}

struct KeycloakDoubleError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import HTTPTypes
