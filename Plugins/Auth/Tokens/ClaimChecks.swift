import Foundation
import Kernel

/// The registered-claim checks every access token passes (ASVS 9.2): times with a small leeway, the exact
/// issuer, the audience, and the token type.
struct ClaimChecks: Sendable {
    /// Clock skew tolerated between the issuer and this server.
    static let leeway: Double = 30

    let issuer: String
    /// Accepted when `aud` contains one of them.
    let audiences: [String]
    /// Also accepted when `azp` is one of `audiences` (Keycloak tokens without an audience mapper).
    let acceptAuthorizedParty: Bool

    func check(_ claims: [String: JSONValue], now: Date = Date()) throws(TokenRejection) {
        let time = now.timeIntervalSince1970
        guard let exp = Self.number(claims["exp"]) else { throw .missingClaim("exp") }
        if time > exp + Self.leeway { throw .expired }
        if let nbf = Self.number(claims["nbf"]), time + Self.leeway < nbf { throw .notYetValid }
        if let iat = Self.number(claims["iat"]), time + Self.leeway < iat { throw .issuedInFuture }
        guard claims["iss"]?.stringValue == issuer else { throw .wrongIssuer }
        let audience: [String] = switch claims["aud"] {
        case .string(let one)?: [one]
        case .array(let many)?: many.compactMap(\.stringValue)
        default: []
        }
        let authorized = audience.contains(where: audiences.contains)
            || (acceptAuthorizedParty && claims["azp"]?.stringValue.map(audiences.contains) == true)
        guard authorized else { throw .wrongAudience }
        guard let type = claims["typ"]?.stringValue else { throw .missingClaim("typ") }
        guard type.caseInsensitiveCompare("Bearer") == .orderedSame else { throw .wrongType(type) }
        guard let sub = claims["sub"]?.stringValue, !sub.isEmpty else { throw .missingClaim("sub") }
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let i)?: Double(i)
        case .double(let d)?: d
        default: nil
        }
    }
}
