import Crypto
import Foundation
import Kernel

/// Applies `pii_policy` to a draft before anything is written: every member named in `pii_fields`,
/// wherever it appears (in details, nested objects and lists, in changes), the actor's IP and user agent.
struct PIIRedactor: Sendable {
    let policy: AuditSettings.PIIPolicy
    let fields: Set<String>
    /// Keys the `hash` policy's HMAC (derived from the audit key): equal values stay linkable.
    let key: SymmetricKey

    func redact(_ draft: AuditDraft) -> AuditDraft {
        var draft = draft
        draft.details = redactObject(draft.details)
        var changes: [String: JSONValue] = [:]
        for (field, change) in draft.changes {
            if fields.contains(field) {
                if policy == .drop { continue }
                changes[field] = ["old": redactValue(field, change["old"] ?? .null), "new": redactValue(field, change["new"] ?? .null)]
            } else {
                changes[field] = redactNested(change)
            }
        }
        draft.changes = changes
        if fields.contains("ip") || fields.contains("client_address") { draft.actorIP = draft.actorIP.flatMap { redactString("ip", $0) } }
        if fields.contains("user_agent") { draft.userAgent = draft.userAgent.flatMap { redactString("user_agent", $0) } }
        return draft
    }

    private func redactObject(_ object: [String: JSONValue]) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in object {
            if fields.contains(key) {
                if policy == .drop { continue }
                result[key] = redactValue(key, value)
            } else {
                result[key] = redactNested(value)
            }
        }
        return result
    }

    private func redactNested(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object): .object(redactObject(object))
        case .array(let items): .array(items.map(redactNested))
        default: value
        }
    }

    private func redactValue(_ field: String, _ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): redactString(field, text).map { .string($0) } ?? .null
        case .null: .null
        case .array(let items): .array(items.map { redactValue(field, $0) })
        default: redactString(field, value.jsonString()).map { .string($0) } ?? .null
        }
    }

    /// The value under the policy (`nil`: dropped).
    func redactString(_ field: String, _ text: String) -> String? {
        switch policy {
        case .drop: return nil
        case .hash: return hash(text)
        case .mask: return Self.mask(field, text)
        }
    }

    /// `hmac-sha256:` and the first 128 bits of the HMAC of the value (lower-cased for addresses, so
    /// `Ada@X` and `ada@x` link).
    func hash(_ text: String) -> String {
        let normalized = text.contains("@") ? text.lowercased() : text
        return "hmac-sha256:" + Hex.string(Array(HMAC<SHA256>.authenticationCode(for: Data(normalized.utf8), using: key)).prefix(16))
    }

    /// Recognisable, not readable: `a***@example.com`, `192.0.2.x`, `2001:db8:1::x`, `A***`.
    static func mask(_ field: String, _ text: String) -> String {
        if text.isEmpty { return text }
        if let at = text.lastIndex(of: "@"), at != text.startIndex {
            return String(text[text.startIndex]) + "***" + text[at...]
        }
        if field == "ip" || field == "client_address" {
            if text.contains("."), text.split(separator: ".").count == 4 {
                return text.split(separator: ".").prefix(3).joined(separator: ".") + ".x"
            }
            if text.contains(":") {
                return text.split(separator: ":", omittingEmptySubsequences: false).prefix(3).joined(separator: ":") + "::x"
            }
        }
        return String(text.prefix(1)) + "***"
    }
}
