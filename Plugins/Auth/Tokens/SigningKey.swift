import Crypto
import CryptoExtras
import Foundation
import JWTKit
import Kernel

/// One RSA key pair (RS256), named by its RFC 7638 thumbprint. Signs with jwt-kit's RSA implementation;
/// keys without the private half only verify (keys of an identity provider, rotated-out keys).
struct SigningKey: Sendable {
    let kid: String
    let algorithm: any JWTAlgorithm
    /// The public key as a JWK (`kty`, `use`, `alg`, `kid`, `n`, `e`).
    let jwk: JSONValue

    init(privateKey: _RSA.Signing.PrivateKey) async throws {
        let primitives = try privateKey.publicKey.getKeyPrimitives()
        let (n, e) = (primitives.modulus, primitives.publicExponent)
        kid = Self.thumbprint(n: n, e: e)
        jwk = Self.jwk(kid: kid, n: n, e: e)
        let keys = JWTKeyCollection()
        await keys.add(rsa: try JWTKit.Insecure.RSA.PrivateKey(backing: privateKey), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        algorithm = try await keys.getKey(for: JWKIdentifier(string: kid), alg: "RS256")
    }

    init(kid: String, publicKey: _RSA.Signing.PublicKey) async throws {
        let primitives = try publicKey.getKeyPrimitives()
        let (n, e) = (primitives.modulus, primitives.publicExponent)
        self.kid = kid
        jwk = Self.jwk(kid: kid, n: n, e: e)
        let keys = JWTKeyCollection()
        await keys.add(rsa: try JWTKit.Insecure.RSA.PublicKey(backing: publicKey), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        algorithm = try await keys.getKey(for: JWKIdentifier(string: kid), alg: "RS256")
    }

    func verifies(_ jws: CompactJWS) -> Bool {
        (try? algorithm.verify(jws.signature, signs: jws.signingInput)) ?? false
    }

    static func jwk(kid: String, n: Data, e: Data) -> JSONValue {
        ["kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(kid), "n": .string(Base64URL.encode(n)), "e": .string(Base64URL.encode(e))]
    }

    /// RFC 7638: SHA-256 over the required members in lexicographic order, without whitespace.
    static func thumbprint(n: Data, e: Data) -> String {
        let canonical = "{\"e\":\"\(Base64URL.encode(e))\",\"kty\":\"RSA\",\"n\":\"\(Base64URL.encode(n))\"}"
        return Base64URL.encode(SHA256.hash(data: Data(canonical.utf8)))
    }

    /// Reads an RSA private key in PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    static func privateKey(pem: String) throws -> _RSA.Signing.PrivateKey {
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        guard key.keySizeInBits >= 2048 else { throw SigningKeyError.tooSmall(key.keySizeInBits) }
        return key
    }
}

enum SigningKeyError: Error, CustomStringConvertible {
    case tooSmall(Int)
    case unreadable(kid: String)
    case noKey

    var description: String {
        switch self {
        case .tooSmall(let bits): "the RSA key has \(bits) bits; at least 2048 are needed"
        case .unreadable(let kid): "signing key \(kid) cannot be decrypted: security.secret_key changed since it was stored (run `lintel keys rotate` with the new secret to start a new key)"
        case .noKey: "no signing key is available"
        }
    }
}
