import Foundation
import Kernel

/// Accepts auth.local's access tokens: `Authorization: Bearer <jwt>` whose `iss` is ours. Tokens of any
/// other issuer are left to the other authenticators (a Keycloak token never reaches these keys, nor the
/// reverse).
struct LocalAuthenticator: Authenticator {
    struct Verified: Sendable {
        let principal: Principal
        let session: UUID
    }

    let name = "auth.local"
    let checks: ClaimChecks
    let keys: SigningKeyStore
    let liveness: Liveness<UUID>
    let cache = VerifiedTokenCache<Verified>()

    func authenticate(_ request: RequestHead, context: AppRequestContext) async throws -> Principal? {
        guard let token = BearerToken.from(request) else { return nil }
        let key = cache.key(token)
        let verified: Verified
        if let hit = cache.get(key) {
            verified = hit
        } else {
            let jws: CompactJWS
            do { jws = try CompactJWS(token) } catch { throw error.problem }
            guard jws.claims["iss"]?.stringValue == checks.issuer else { return nil }
            do {
                verified = try await verify(jws)
            } catch let rejection as TokenRejection {
                throw rejection.problem
            }
            cache.put(key, verified, expires: ClaimChecks.number(jws.claims["exp"]) ?? 0)
        }
        guard try await liveness.isLive(verified.session) else { throw TokenRejection.revoked.problem }
        return verified.principal
    }

    func verify(_ jws: CompactJWS) async throws -> Verified {
        let kid = try jws.checkHeader()
        guard let key = try await keys.verifier(kid: kid) else { throw TokenRejection.unknownKey }
        guard key.verifies(jws) else { throw TokenRejection.badSignature }
        try checks.check(jws.claims)
        guard let sid = jws.claims["sid"]?.stringValue.flatMap(UUID.init(uuidString:)) else { throw TokenRejection.missingClaim("sid") }
        var principal = TokenPrincipal.make(claims: jws.claims, roles: TokenPrincipal.realmRoles(jws.claims), authenticator: name)
        principal.impersonatorID = jws.claims["act"]?["sub"]?.stringValue
        return Verified(principal: principal, session: sid)
    }
}

/// The bearer credential of a request.
enum BearerToken {
    /// The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1).
    static func from(_ request: RequestHead) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        // A JWS has two dots; anything else (opaque test tokens, API keys) belongs to another authenticator.
        return token.utf8.filter({ $0 == UInt8(ascii: ".") }).count >= 2 ? token : nil
    }
}

/// The same principal from either kind of token: id = the user's id, roles = platform roles, the claims
/// policies read as attributes.
enum TokenPrincipal {
    static func make(claims: [String: JSONValue], roles: [String], authenticator: String, userID: String? = nil) -> Principal {
        var attributes: [String: JSONValue] = [:]
        for name in ["email", "name", "org_id", "team_ids", "amr", "mfa", "iss", "sid", "email_verified"] {
            if let value = claims[name] { attributes[name] = value }
        }
        attributes["mfa"] = attributes["mfa"] ?? .bool(false)
        return Principal(id: userID ?? claims["sub"]?.stringValue ?? "", roles: roles, attributes: attributes, authenticator: authenticator)
    }

    static func realmRoles(_ claims: [String: JSONValue]) -> [String] {
        claims["realm_access"]?["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
