import Crypto
import Foundation

/// Encrypts secrets at rest (signing keys, TOTP secrets, the audit checkpoint key) with a key derived from
/// the deployment secret (HKDF-SHA256 with a random salt per value and a `purpose`, then AES-256-GCM with
/// the row's id as associated data, so a sealed value cannot be moved to another row or purpose).
public struct SecretSealer: Sendable {
    /// A sealed value that does not open: another secret, another row or purpose, or damage.
    public struct Unreadable: Error, CustomStringConvertible {
        public let id: String
        public var description: String { "the sealed value of \(id) cannot be decrypted (security.secret_key changed, or it was moved or damaged)" }
    }

    public let secret: String
    public var purpose: String

    public init(secret: String, purpose: String) {
        self.secret = secret
        self.purpose = purpose
    }

    public func seal(_ plaintext: Data, kid: String) throws -> String {
        let salt = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let box = try AES.GCM.seal(plaintext, using: key(salt: salt), authenticating: Data(kid.utf8))
        guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
        return salt.base64EncodedString() + "." + combined.base64EncodedString()
    }

    public func open(_ sealed: String, kid: String) throws -> Data {
        let parts = sealed.split(separator: ".")
        guard parts.count == 2, let salt = Data(base64Encoded: String(parts[0])), let combined = Data(base64Encoded: String(parts[1])) else {
            throw Unreadable(id: kid)
        }
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key(salt: salt), authenticating: Data(kid.utf8))
        } catch {
            throw Unreadable(id: kid)
        }
    }

    private func key(salt: Data) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), salt: salt,
                               info: Data(purpose.utf8), outputByteCount: 32)
    }
}
