import Crypto
import Foundation

/// A random secret handed to a client once (refresh tokens, email links, MFA steps): 256 bits, base64url.
/// Only its SHA-256 is stored, so the table alone grants nothing; a lookup by hash leaks nothing useful.
public enum OpaqueToken {
    public static func make() -> String {
        Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `token` could be one of ours at all (saves a lookup of arbitrary input).
    public static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 && Base64URL.decode(token) != nil
    }
}
