import CEL
import Foundation

/// CEL values as JSON: how outputs are reported and compared.
public enum PolicyJSON {
    /// Compact JSON text with sorted keys. Timestamps are RFC 3339 strings, durations `"1.5s"`, bytes base64.
    public static func text(_ value: CELValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    private static func write(_ value: CELValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .double(let d): out += d.isFinite ? CELFormatting.plainDouble(d) : "\"\(CELFormatting.plainDouble(d))\""
        case .string(let s): writeString(s, into: &out)
        case .bytes(let b): writeString(Data(b).base64EncodedString(), into: &out)
        case .timestamp(let t): writeString(t.rfc3339UTC, into: &out)
        case .duration(let d): writeString(d.description, into: &out)
        case .type(let t): writeString(t.name, into: &out)
        case .list(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .map(let map):
            out += "{"
            let entries = map.entries.map { (CELFormatting.display($0.key.value), $0.value) }.sorted { $0.0 < $1.0 }
            for (i, (key, item)) in entries.enumerated() {
                if i > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(item, into: &out)
            }
            out += "}"
        case .opaque, .error, .unknown:
            writeString(CELFormatting.display(value), into: &out)
        }
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += quoted(s)
    }

    /// `s` in `quote` characters with JSON's escapes (the quote character, backslash, control characters).
    static func quoted(_ s: String, quote: Unicode.Scalar = "\"") -> String {
        var out = ""
        out.unicodeScalars.append(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case quote, "\\": out += "\\"; out.unicodeScalars.append(scalar)
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.unicodeScalars.append(quote)
        return out
    }

    /// Equality as JSON sees it: every number is a number (1 == 1.0), maps compare by key, timestamps and
    /// durations compare as their JSON strings.
    public static func equal(_ a: CELValue, _ b: CELValue) -> Bool {
        switch (normalized(a), normalized(b)) {
        case (.double(let x), .double(let y)): return x == y
        case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.map(let x), .map(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x.entries {
                guard let other = y[.string(CELFormatting.display(key.value))] ?? y[key], equal(value, other) else { return false }
            }
            return true
        case (let x, let y): return text(x) == text(y)
        }
    }

    private static func normalized(_ value: CELValue) -> CELValue {
        switch value {
        case .int(let i): return .double(Double(i))
        case .uint(let u): return .double(Double(u))
        case .timestamp, .duration, .bytes, .type: return .string(String(text(value).dropFirst().dropLast()))
        default: return value
        }
    }
}
