import Foundation
import Kernel

/// Password rules per OWASP ASVS 6.2: a minimum length (at least 8), a maximum of at least 64 characters,
/// no composition rules, never truncated, and refused when it is a commonly used password or the
/// account's own address.
public struct PasswordPolicy: Sendable {
    public var minLength: Int
    public var maxLength: Int
    let common: Set<String>

    public init(minLength: Int, maxLength: Int, extraCommonPasswords: Set<String> = []) {
        self.minLength = minLength
        self.maxLength = maxLength
        common = CommonPasswords.builtIn.union(extraCommonPasswords.map { $0.lowercased() })
    }

    /// Reads a deployment's list of passwords to refuse (one per line; `#` starts a comment line).
    public static func readList(path: String) throws -> Set<String> {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return Set(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") })
    }

    /// Why `password` is refused for the account with `email`, or `nil` when it is acceptable.
    /// Length counts characters (Unicode scalars, as ASVS asks), after NFC normalisation.
    public func problem(with password: String, email: String) -> String? {
        let normalized = password.precomposedStringWithCanonicalMapping
        let length = normalized.unicodeScalars.count
        if length < minLength { return "must be at least \(minLength) characters long" }
        if length > maxLength { return "must be at most \(maxLength) characters long" }
        let lowered = normalized.lowercased()
        if common.contains(lowered) { return "is too common: it appears in lists of the most used passwords" }
        let address = email.lowercased()
        let localPart = address.split(separator: "@").first.map(String.init) ?? address
        if lowered == address || (localPart.count >= 4 && lowered.contains(localPart)) {
            return "must not contain your email address"
        }
        if Set(lowered).count == 1 { return "must not be one character repeated" }
        return nil
    }
}
