/// Email addresses as accounts use them: checked loosely (one `@`, a dotted domain, no spaces, at most
/// 254 bytes) — the real check is the mail that reaches it.
public enum EmailAddress {
    /// Why `text` is not an address, or `nil`.
    public static func problem(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return "is required" }
        if trimmed.utf8.count > 254 { return "must be at most 254 characters" }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !trimmed.contains(where: { $0.isWhitespace || $0.isNewline }) else { return "is not a valid email address" }
        return nil
    }

    public static func normalize(_ text: String) -> String { text.trimmingCharacters(in: .whitespaces) }
}

import Foundation
