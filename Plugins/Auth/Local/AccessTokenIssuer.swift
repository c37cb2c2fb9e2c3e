import Foundation
import Kernel

/// Mints auth.local's RS256 access tokens: the reference's claims (`sub`, `email`, `name`,
/// `realm_access.roles`, `org_id`, `team_ids`, `iat`, `exp`) plus `iss`, `aud`, `jti`, `nbf`, `typ`
/// (`Bearer`, as Keycloak's), `sid` (the session, checked on every request so a sign-out takes effect),
/// `amr` and `mfa` (so policies can require a second factor).
struct AccessTokenIssuer: Sendable {
    let issuer: String
    let audience: String
    let ttl: Duration
    let keys: SigningKeyStore

    /// RFC 9068 header type of JWT access tokens.
    static let headerType = "at+jwt"

    /// `impersonator`: the platform admin acting as `user` (RFC 8693 `act` claim); `lifetime`: instead of the
    /// configured TTL.
    func mint(user: UserAccount, affiliation: UserAffiliation, session: SessionStore.Session, impersonator: String? = nil,
              lifetime: Duration? = nil, now: Date = Date()) throws -> String {
        let issuedAt = Int(now.timeIntervalSince1970)
        var claims: [String: JSONValue] = [
            "iss": .string(issuer), "aud": .string(audience), "sub": .string(user.id.lowercasedString),
            "iat": .int(issuedAt), "nbf": .int(issuedAt), "exp": .int(issuedAt + Int((lifetime ?? ttl).seconds)),
            "jti": .string(UUID().lowercasedString), "typ": "Bearer", "sid": .string(session.id.lowercasedString),
            "email": .string(user.email), "email_verified": .bool(user.emailVerified), "name": .string(user.displayName),
            "given_name": .string(user.firstName), "family_name": .string(user.lastName),
            "realm_access": ["roles": .array(user.platformRoles.map { .string($0) })],
            "team_ids": .array(affiliation.teamIDs.map { .string($0) }),
            "amr": .array(session.amr.map { .string($0) }), "mfa": .bool(session.amr.contains("mfa")),
        ]
        if let org = affiliation.orgID { claims["org_id"] = .string(org) }
        if let impersonator { claims["act"] = ["sub": .string(impersonator)] }
        return try CompactJWS.sign(.object(claims), key: try keys.current.signer, type: Self.headerType)
    }

    /// The login response body.
    func response(accessToken: String, refreshToken: String) -> JSONValue {
        ["access_token": .string(accessToken), "refresh_token": .string(refreshToken), "token_type": "Bearer", "expires_in": .int(Int(ttl.seconds))]
    }
}
