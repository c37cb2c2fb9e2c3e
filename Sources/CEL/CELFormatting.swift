import Foundation

/// How values become text: `string()` conversions (Go's formats, as Cerbos's CEL runtime prints them)
/// and the display form used in messages and `%s`.
public enum CELFormatting {
    /// The shortest round-trip decimal digits of a finite, non-zero magnitude and the decimal exponent
    /// `point` such that value = 0.d₁d₂…dₙ × 10^point.
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], point: Int) {
        let text = "\(value.magnitude)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits: [UInt8] = []
        var point = 0
        var seenPoint = false
        for ch in mantissa {
            if ch == "." { seenPoint = true; continue }
            guard let d = ch.asciiValue.map({ $0 - 48 }) else { continue }
            digits.append(d)
            if !seenPoint { point += 1 }
        }
        // Drop leading zeros (0.00012 → digits 12, point -3) and trailing zeros.
        while let first = digits.first, first == 0, digits.count > 1 { digits.removeFirst(); point -= 1 }
        while let last = digits.last, last == 0, digits.count > 1 { digits.removeLast() }
        return (digits, point + exponent)
    }

    /// Go's `%g` with shortest precision: `123.456`, `1e+06`, `1.234567e+06`, `1e-05`, `-0`, `+Inf`, `NaN`.
    public static func double(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0" }
        let (digits, point) = shortestDigits(value)
        let exponent = point - 1
        let text = digits.map { String($0) }.joined()
        // Go uses exponent form outside [1e-4, 1e6) when printing the shortest digits.
        if exponent < -4 || exponent >= 6 {
            return sign + scientific(text, exponent)
        }
        if point <= 0 {
            return sign + "0." + String(repeating: "0", count: -point) + text
        }
        if point >= digits.count {
            return sign + text + String(repeating: "0", count: point - digits.count)
        }
        let index = text.index(text.startIndex, offsetBy: point)
        return sign + text[..<index] + "." + text[index...]
    }

    static func scientific(_ digits: String, _ exponent: Int) -> String {
        let head = String(digits.prefix(1))
        let tail = String(digits.dropFirst())
        let e = abs(exponent)
        return head + (tail.isEmpty ? "" : "." + tail) + "e" + (exponent < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
    }

    /// Go's `FormatFloat(d, 'f', -1)`: shortest digits, never an exponent (`%s` of a double).
    public static func plainDouble(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0" }
        let (digits, point) = shortestDigits(value)
        let text = digits.map { String($0) }.joined()
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + text }
        if point >= digits.count { return sign + text + String(repeating: "0", count: point - digits.count) }
        let index = text.index(text.startIndex, offsetBy: point)
        return sign + text[..<index] + "." + text[index...]
    }

    /// The `string()` of a value that has one.
    static func string(_ value: CELValue) -> CELValue {
        switch value {
        case .string: return value
        case .bool(let b): return .string(b ? "true" : "false")
        case .int(let i): return .string(String(i))
        case .uint(let u): return .string(String(u))
        case .double(let d): return .string(double(d))
        case .bytes(let b):
            guard let text = String(validating: b, as: UTF8.self) else { return .error("invalid UTF-8 in bytes, cannot convert to string") }
            return .string(text)
        case .timestamp(let t): return .string(t.rfc3339)
        case .duration(let d): return .string(d.description)
        case .type(let t): return .string(t.name)
        default: return CELValue.noOverload("string", value)
        }
    }

    /// A readable rendering for messages and `%s` (lists and maps recursively, map keys sorted).
    public static func display(_ value: CELValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .uint(let u): return String(u)
        case .double(let d): return plainDouble(d)
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .list(let items): return "[" + items.map(display).joined(separator: ", ") + "]"
        case .map(let map):
            let parts = map.entries.map { (display($0.key.value), display($0.value)) }.sorted { $0.0 < $1.0 }
            return "{" + parts.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        case .timestamp(let t): return t.rfc3339UTC
        case .duration(let d): return d.description
        case .type(let t): return t.name
        case .opaque(let o): return o.typeName
        case .error(let e): return "error(\(e.message))"
        case .unknown: return "unknown"
        }
    }
}
