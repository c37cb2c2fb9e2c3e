import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) as authenticator apps compute them:
/// HMAC-SHA1, 30-second steps, 6 digits.
struct TOTP: Sendable {
    static let period = 30
    static let digits = 6

    let secret: [UInt8]

    /// The time step of `date`.
    static func step(at date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / Double(period)).rounded(.down)) }

    /// HOTP of `counter`, zero-padded.
    func code(counter: Int64) -> String {
        var bigEndian = UInt64(bitPattern: counter).bigEndian
        let message = withUnsafeBytes(of: &bigEndian) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let truncated = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let code = truncated % 1_000_000
        let text = String(code)
        return String(repeating: "0", count: Self.digits - text.count) + text
    }

    /// The step whose code `code` is, looking one step back and one ahead for clock drift (RFC 6238 §5.2),
    /// compared in constant time.
    func matchingStep(_ code: String, at date: Date = Date()) -> Int64? {
        let typed = code.filter { !$0.isWhitespace }
        guard typed.count == Self.digits, typed.allSatisfy(\.isASCII), typed.allSatisfy(\.isNumber) else { return nil }
        let now = Self.step(at: date)
        var found: Int64?
        for step in [now - 1, now, now + 1] where Self.equal(self.code(counter: step), typed) && found == nil {
            found = step
        }
        return found
    }

    /// Constant-time comparison: both sides hashed, digests compared by swift-crypto's safe compare.
    static func equal(_ a: String, _ b: String) -> Bool {
        SHA256.hash(data: Data(a.utf8)) == SHA256.hash(data: Data(b.utf8))
    }

    /// `otpauth://totp/Issuer:account?secret=…&issuer=…` (Google's Key Uri Format).
    func provisioningURI(account: String, issuer: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":/?#[]@!$&'()*+,;=")
        let label = (issuer.addingPercentEncoding(withAllowedCharacters: allowed) ?? issuer) + ":"
            + (account.addingPercentEncoding(withAllowedCharacters: allowed) ?? account)
        let issuerQuery = issuer.addingPercentEncoding(withAllowedCharacters: allowed) ?? issuer
        return "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(issuerQuery)&algorithm=SHA1&digits=\(Self.digits)&period=\(Self.period)"
    }
}
