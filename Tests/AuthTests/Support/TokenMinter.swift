import Crypto
import CryptoExtras
import Foundation
import Kernel
@testable import LintelTesting

/// Mints JWTs in the test, independently of Lintel's code: with a key written to a PEM file that
/// auth.local is configured with (`signing_key`), or with a stranger's key.
struct TokenMinter: @unchecked Sendable {
    let key: _RSA.Signing.PrivateKey
    let pemPath: String
    let directory = TemporaryDirectory()

    init() throws {
        key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        pemPath = directory.write("signing.pem", key.pkcs8PEMRepresentation)
    }

    /// Header `{"alg":"RS256","typ":…,"kid":…}` plus `header` overrides, signed with `key` (RS256).
    func mint(_ claims: JSONValue, kid: String, header extra: [String: JSONValue] = [:]) throws -> String {
        var header: [String: JSONValue] = ["alg": "RS256", "typ": "at+jwt", "kid": .string(kid)]
        for (name, value) in extra { header[name] = value }
        let input = Self.encode(Array(JSONValue.object(header).jsonString().utf8)) + "." + Self.encode(Array(claims.jsonString().utf8))
        let signature = try key.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
        return input + "." + Self.encode(Array(signature.rawRepresentation))
    }

    /// An unsigned token (`alg: none`).
    static func unsigned(_ claims: JSONValue) -> String {
        encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + encode(Array(claims.jsonString().utf8)) + "."
    }

    /// HS256 with `secret` as the HMAC key (the classic confusion attack uses the RSA public key's bytes).
    static func hmac(_ claims: JSONValue, kid: String, secret: Data) -> String {
        let input = encode(Array(JSONValue.object(["alg": "HS256", "typ": "JWT", "kid": .string(kid)]).jsonString().utf8)) + "."
            + encode(Array(claims.jsonString().utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: secret))
        return input + "." + encode(Array(mac))
    }

    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
