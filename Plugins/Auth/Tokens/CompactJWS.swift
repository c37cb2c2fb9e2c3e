import Foundation
import Kernel

/// A JWS in compact serialization (`header.payload.signature`), parsed strictly before any key is
/// touched: both parts must be JSON objects, the signature base64url.
struct CompactJWS: Sendable {
    let header: [String: JSONValue]
    let claims: [String: JSONValue]
    /// `header.payload` as sent: what the signature covers.
    let signingInput: [UInt8]
    let signature: [UInt8]

    /// Longest token accepted: a real access token is a few KB.
    static let maxLength = 16 * 1024

    init(_ token: String) throws(TokenRejection) {
        guard token.utf8.count <= Self.maxLength else { throw .malformed("longer than \(Self.maxLength) bytes") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .malformed(parts.count == 5 ? "an encrypted token (JWE) is not accepted" : "a JWS has three dot-separated parts")
        }
        guard let headerBytes = Base64URL.decode(parts[0]), let header = Self.object(headerBytes) else {
            throw .malformed("the header is not base64url-encoded JSON")
        }
        guard let payloadBytes = Base64URL.decode(parts[1]), let claims = Self.object(payloadBytes) else {
            throw .malformed("the payload is not base64url-encoded JSON")
        }
        guard !parts[2].isEmpty, let signature = Base64URL.decode(parts[2]) else {
            throw .malformed("the signature is missing or not base64url")
        }
        self.header = header
        self.claims = claims
        self.signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        self.signature = signature
    }

    private static func object(_ bytes: [UInt8]) -> [String: JSONValue]? {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)))?.objectValue
    }

    /// Header checks shared by every verifier (ASVS 9.1): RS256 only (never `none`, never an HMAC with a
    /// public key), no critical extensions we do not understand, and a `kid` to pick the key by. Keys
    /// named by the token itself (`jku`, `x5u`, `jwk`, `x5c`) are never fetched or used.
    func checkHeader() throws(TokenRejection) -> String {
        guard case .string(let alg)? = header["alg"] else { throw .malformed("the header has no alg") }
        guard alg == "RS256" else { throw .unsupportedAlgorithm(alg) }
        if header["crit"] != nil { throw .malformed("critical header extensions are not supported") }
        guard case .string(let kid)? = header["kid"], !kid.isEmpty else { throw .unknownKey }
        return kid
    }

    /// Signs `claims` with `key`: the header carries `alg`, `typ` and the key's `kid`.
    static func sign(_ claims: JSONValue, key: SigningKey, type: String) throws -> String {
        let header: JSONValue = ["alg": "RS256", "typ": .string(type), "kid": .string(key.kid)]
        let input = Base64URL.encode(Array(header.jsonString().utf8)) + "." + Base64URL.encode(Array(claims.jsonString().utf8))
        let signature = try key.algorithm.sign(Array(input.utf8))
        return input + "." + Base64URL.encode(signature)
    }
}
