import Kernel

/// Why a bearer token is refused. Each becomes a 401 with `WWW-Authenticate: Bearer error="invalid_token"`
/// (RFC 6750 §3) and a problem whose detail says what was wrong, never a 500.
public enum TokenRejection: Error, Equatable, Sendable {
    case malformed(String)
    case unsupportedAlgorithm(String)
    case unknownKey
    case badSignature
    case expired
    case notYetValid
    case issuedInFuture
    case wrongIssuer
    case wrongAudience
    case wrongType(String)
    case missingClaim(String)
    case revoked
    case unknownUser
    case keysUnavailable

    public var detail: String {
        switch self {
        case .malformed(let why): "The bearer token is malformed: \(why)."
        case .unsupportedAlgorithm(let alg): "The bearer token's algorithm \(alg) is not accepted."
        case .unknownKey: "The bearer token was signed with a key this server does not know."
        case .badSignature: "The bearer token's signature does not verify."
        case .expired: "The bearer token has expired."
        case .notYetValid: "The bearer token is not valid yet."
        case .issuedInFuture: "The bearer token claims to be issued in the future."
        case .wrongIssuer: "The bearer token was issued by an issuer this server does not trust."
        case .wrongAudience: "The bearer token is meant for another audience."
        case .wrongType(let type): "The bearer token has type \(type.prefix(40)); only access tokens (type Bearer) are accepted."
        case .missingClaim(let claim): "The bearer token lacks the \(claim) claim."
        case .revoked: "The bearer token's session has ended (signed out, password changed or account deactivated)."
        case .unknownUser: "The bearer token's user does not exist."
        case .keysUnavailable: "The identity provider's keys cannot be fetched; try again later."
        }
    }

    /// The RFC 6750 `error_description`: the detail without characters a quoted-string cannot hold.
    var challenge: String {
        let description = detail.filter { $0 != "\"" && $0 != "\\" && ($0.asciiValue ?? 0) >= 0x20 && $0.asciiValue != 0x7F }
        return "Bearer error=\"invalid_token\", error_description=\"\(description)\""
    }

    public var problem: Problem {
        var problem = Problem.unauthorized(detail, challenge: challenge)
        problem.type = Problem.typeURI("invalid-token")
        return problem
    }
}
