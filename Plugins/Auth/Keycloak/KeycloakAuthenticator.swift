import Foundation
import Kernel

/// Accepts access tokens of one Keycloak realm: `iss` must be exactly the realm's issuer (tokens of other
/// issuers are left to other authenticators), signed RS256 by one of the realm's keys, with the audience,
/// times and `typ: Bearer` checked (an ID token is not an access token). The user is the directory's
/// account for issuer + `sub`, created on first sight and kept current.
///
/// A verified token is cached until it expires, but stops working at once when the realm stops publishing
/// its key (a key rotated out after a compromise) and within `user_check_interval` when its user is
/// deactivated.
struct KeycloakAuthenticator: Authenticator {
    struct Verified: Sendable {
        let principal: Principal
        let kid: String
        let user: UUID
    }

    let name = "auth.keycloak"
    let settings: KeycloakSettings
    let checks: ClaimChecks
    let keys: RealmKeys
    let database: Database
    let directory: any Directory
    let liveness: Liveness<UUID>
    let cache = VerifiedTokenCache<Verified>()

    init(settings: KeycloakSettings, keys: RealmKeys, database: Database, directory: any Directory) {
        self.settings = settings
        checks = ClaimChecks(issuer: settings.issuer, audiences: [settings.audience], acceptAuthorizedParty: settings.acceptAuthorizedParty)
        self.keys = keys
        self.database = database
        self.directory = directory
        liveness = .users(interval: settings.userCheckInterval, database: database, directory: directory)
    }

    func authenticate(_ request: RequestHead, context: AppRequestContext) async throws -> Principal? {
        guard var bearer = BearerToken(request) else { return nil }
        let key = bearer.digest
        let verified: Verified
        if let hit = cache.get(key), keys.knows(hit.kid) {
            verified = hit
        } else {
            let jws: CompactJWS
            do { jws = try CompactJWS(bearer.text) } catch { throw error.problem }
            guard jws.claims["iss"]?.stringValue == settings.issuer else { return nil }
            do {
                verified = try await verify(jws, context: context)
            } catch let rejection as TokenRejection {
                throw rejection.problem
            }
            cache.put(key, verified, expires: ClaimChecks.number(jws.claims["exp"]) ?? 0)
        }
        guard try await liveness.isLive(verified.user) else { throw TokenRejection.revoked.problem }
        return verified.principal
    }

    func verify(_ jws: CompactJWS, context: AppRequestContext) async throws -> Verified {
        let kid = try jws.checkHeader()
        let key = try await keys.key(kid)
        guard key.verifies(jws) else { throw TokenRejection.badSignature }
        try checks.check(jws.claims)
        let claims = jws.claims
        let identity = ExternalIdentity(issuer: settings.issuer, subject: claims["sub"]?.stringValue ?? "",
                                        email: claims["email"]?.stringValue ?? "", firstName: claims["given_name"]?.stringValue ?? "",
                                        lastName: claims["family_name"]?.stringValue ?? "", emailVerified: claims["email_verified"] == .bool(true))
        let directory = directory
        let origin = context.eventOrigin
        let user = try await database.transaction { sql in try await directory.user(for: identity, origin: origin, in: sql) }
        guard user.status == .active else { throw TokenRejection.revoked }
        var principal = TokenPrincipal.make(claims: claims, roles: roles(claims), authenticator: name, userID: user.id.lowercasedString)
        principal.attributes["mfa"] = .bool(passedSecondFactor(claims))
        principal.attributes["email"] = .string(user.email)
        principal.attributes["name"] = .string(user.displayName)
        return Verified(principal: principal.remembered(), kid: kid, user: user.id)
    }

    /// Realm roles and this client's roles (other clients' roles are theirs).
    func roles(_ claims: [String: JSONValue]) -> [String] {
        var roles = TokenPrincipal.realmRoles(claims)
        for role in claims["resource_access"]?[settings.clientID]?["roles"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !roles.contains(role) {
            roles.append(role)
        }
        return roles
    }

    /// Keycloak's step-up: an `acr` of a second factor, or an `amr` that names one.
    func passedSecondFactor(_ claims: [String: JSONValue]) -> Bool {
        if let acr = claims["acr"]?.stringValue, settings.mfaACRValues.contains(acr) { return true }
        let amr = claims["amr"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return amr.contains { ["otp", "mfa", "totp", "hwk", "swk"].contains($0) }
    }
}
