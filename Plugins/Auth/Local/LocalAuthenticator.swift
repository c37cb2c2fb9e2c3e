import Crypto
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

    /// What a token turned out to be: ours and valid, or another issuer's (remembered too, so a Keycloak
    /// token is not parsed here on every request).
    enum Outcome: Sendable {
        case verified(Verified)
        case foreign
    }

    let name = "auth.local"
    let checks: ClaimChecks
    let keys: SigningKeyStore
    let liveness: Liveness<UUID>
    let cache = VerifiedTokenCache<Outcome>()

    func authenticate(_ request: RequestHead, context: AppRequestContext) async throws -> Principal? {
        guard var bearer = BearerToken(request) else { return nil }
        let key = bearer.digest
        let verified: Verified
        switch cache.get(key) {
        case .verified(let hit)?:
            verified = hit
        case .foreign?:
            return nil
        case nil:
            let jws: CompactJWS
            do { jws = try CompactJWS(bearer.text) } catch { throw error.problem }
            let expires = ClaimChecks.number(jws.claims["exp"]) ?? 0
            guard jws.claims["iss"]?.stringValue == checks.issuer else {
                cache.put(key, .foreign, expires: expires)
                return nil
            }
            do {
                verified = try await verify(jws)
            } catch let rejection as TokenRejection {
                throw rejection.problem
            }
            cache.put(key, .verified(verified), expires: expires)
        }
        guard try await liveness.isLive(verified.session) else { throw TokenRejection.revoked.problem }
        return verified.principal
    }

    func verify(_ jws: CompactJWS) async throws -> Verified {
        let kid = try jws.checkHeader()
        guard let key = try await keys.verifier(kid: kid) else { throw TokenRejection.unknownKey }
        guard key.verifies(jws) else { throw TokenRejection.badSignature }
        try checks.check(jws.claims)
        guard let sid = jws.claims["sid"]?.stringValue.flatMap({ UUID(canonical: $0) }) else { throw TokenRejection.missingClaim("sid") }
        var principal = TokenPrincipal.make(claims: jws.claims, roles: TokenPrincipal.realmRoles(jws.claims), authenticator: name)
        principal.impersonatorID = jws.claims["act"]?["sub"]?.stringValue
        return Verified(principal: principal.remembered(), session: sid)
    }
}

/// The bearer credential of a request, read in place in its header: the token is hashed for the caches
/// where it lies, and copied out as text only when it must be parsed.
struct BearerToken {
    private var header: String
    private let range: Range<Int>

    /// The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1), when it
    /// looks like a JWS (two dots); anything else (opaque test tokens, API keys) belongs to another
    /// authenticator. Works on the header's bytes: this runs on every request, and Foundation's string
    /// trimming bridges through NSString on Linux.
    init?(_ request: RequestHead) {
        guard var header = request.headers.value(of: .authorization), let range = header.withUTF8(Self.token(in:)) else { return nil }
        self.header = header
        self.range = range
    }

    /// The token's SHA-256: what the caches key on, so that tokens themselves are not kept.
    var digest: SHA256Digest {
        mutating get { header.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0[range]))) } }
    }

    /// The token, to parse.
    var text: String {
        mutating get { header.withUTF8 { String(decoding: $0[range], as: UTF8.self) } }
    }

    private static let scheme = Array("bearer".utf8)

    private static func token(in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        var start = 0
        while start < bytes.count, isSpace(bytes[start]) { start += 1 }
        guard bytes.count > start + scheme.count,
              zip(bytes[start..<(start + scheme.count)], scheme).allSatisfy({ $0 | 0x20 == $1 }), isSpace(bytes[start + scheme.count]) else { return nil }
        var from = start + scheme.count
        while from < bytes.count, isSpace(bytes[from]) { from += 1 }
        var end = bytes.count
        while end > from, isSpace(bytes[end - 1]) { end -= 1 }
        guard from < end, let base = bytes.baseAddress else { return nil }
        let dot = Int32(UInt8(ascii: "."))
        guard let first = memchr(base + from, dot, end - from) else { return nil }
        let next = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(first)) + 1
        guard memchr(base + next, dot, end - next) != nil else { return nil }
        return from..<end
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
