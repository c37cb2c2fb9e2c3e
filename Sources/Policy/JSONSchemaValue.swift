import CEL

/// JSON as the validator reads it from a CEL value. Schema documents are parsed into CEL values too
/// (`JSONTextParser`), so a schema's `const` and an attribute compare with CEL's own equality, which is JSON's:
/// numbers by value (`1 == 1.0`), strings by code points, maps regardless of key order.
extension CELValue {
    /// The JSON Schema type name (`integer` is never returned: it is a kind of `number`). Values JSON has no
    /// spelling for (bytes, timestamps, …) give a name of their own, which no `type` keyword accepts.
    var jsonTypeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .uint, .double: return "number"
        case .string: return "string"
        case .list: return "array"
        case .map: return "object"
        case .bytes: return "bytes"
        case .timestamp: return "timestamp"
        case .duration: return "duration"
        case .type: return "type"
        case .opaque(let opaque): return opaque.typeName
        case .error: return "error"
        case .unknown: return "unknown"
        }
    }

    func hasJSONType(_ type: String) -> Bool {
        if type == "integer" { return JSONNumber(self)?.isInteger ?? false }
        return jsonTypeName == type
    }

    /// Whether the value can be a schema: an object, or `true` / `false`.
    var isSchema: Bool {
        switch self {
        case .bool, .map: return true
        default: return false
        }
    }
}

extension CELMap {
    /// The members of a JSON object in order, each key as a property name.
    var jsonMembers: [(name: String, value: CELValue)] {
        entries.map { ($0.key.description, $0.value) }
    }
}

/// A value as a dictionary key that JSON-equal values share (`1` and `1.0`, maps in any key order), for
/// `uniqueItems` to find duplicates without comparing every pair.
struct JSONEqualityKey: Hashable {
    let value: CELValue

    static func == (a: JSONEqualityKey, b: JSONEqualityKey) -> Bool { CELValue.equal(a.value, b.value) == true }

    func hash(into hasher: inout Hasher) { Self.combine(value, into: &hasher) }

    private static func combine(_ value: CELValue, into hasher: inout Hasher) {
        hasher.combine(value.jsonTypeName)
        switch value {
        // Equal numbers of any representation are equal doubles (and 0.0 and -0.0 hash alike).
        case .int(let i): hasher.combine(Double(i))
        case .uint(let u): hasher.combine(Double(u))
        case .double(let d): hasher.combine(d)
        case .bool(let b): hasher.combine(b)
        case .string(let s): hasher.combine(s)
        case .list(let items):
            hasher.combine(items.count)
            for item in items { combine(item, into: &hasher) }
        case .map(let map):
            // A sum of the members' hashes does not depend on their order.
            var sum = 0
            for (key, item) in map.entries {
                var member = Hasher()
                member.combine(key)
                combine(item, into: &member)
                sum &+= member.finalize()
            }
            hasher.combine(sum)
        default: break
        }
    }
}

/// A JSON number: exact when it is an integer Int64 holds, a double otherwise.
struct JSONNumber: Sendable, CustomStringConvertible {
    let double: Double
    let int: Int64?

    init(int: Int64) {
        self.int = int
        double = Double(int)
    }

    init(double: Double) {
        self.double = double
        // Up to 2^53 a double is an exact integer, so it can take the exact path.
        int = double.isFinite && double.rounded(.towardZero) == double && abs(double) <= 9_007_199_254_740_992 ? Int64(double) : nil
    }

    /// The number a CEL int, uint or double holds; nil for other values.
    init?(_ value: CELValue) {
        switch value {
        case .int(let i): self.init(int: i)
        case .uint(let u): self = u <= UInt64(Int64.max) ? JSONNumber(int: Int64(u)) : JSONNumber(double: Double(u))
        case .double(let d): self.init(double: d)
        default: return nil
        }
    }

    var isInteger: Bool { int != nil || (double.isFinite && double.rounded(.towardZero) == double) }

    var description: String {
        if let int { return String(int) }
        if double.isNaN { return "NaN" }
        if double.isInfinite { return double > 0 ? "Infinity" : "-Infinity" }
        return "\(double)"
    }

    /// -1, 0 or 1; nil when either is NaN.
    static func compare(_ a: JSONNumber, _ b: JSONNumber) -> Int? {
        if let x = a.int, let y = b.int { return x < y ? -1 : (x > y ? 1 : 0) }
        if a.double.isNaN || b.double.isNaN { return nil }
        return a.double < b.double ? -1 : (a.double > b.double ? 1 : 0)
    }

    /// Whether `self / divisor` is an integer, computed in decimal so that 0.0075 is a multiple of 0.0001.
    func isMultiple(of divisor: JSONNumber) -> Bool {
        if let x = int, let y = divisor.int, y != 0 {
            if y == 1 || y == -1 { return true }  // and Int64.min % -1 would trap
            return x % y == 0
        }
        guard double.isFinite, divisor.double.isFinite, divisor.double != 0 else { return false }
        guard let a = Self.decimal(double), let b = Self.decimal(divisor.double), b.mantissa != 0 else {
            let quotient = double / divisor.double
            return quotient.isFinite && quotient.rounded(.towardZero) == quotient
        }
        if a.mantissa == 0 { return true }
        if a.exponent >= b.exponent {
            // a.mantissa × 10^k mod b.mantissa, one digit at a time: no overflow for any exponent.
            var remainder = a.mantissa % b.mantissa
            for _ in 0..<(a.exponent - b.exponent) where remainder != 0 { remainder = remainder * 10 % b.mantissa }
            return remainder == 0
        }
        guard let scaled = Self.scale(b.mantissa, by: b.exponent - a.exponent) else { return false }  // larger than a
        return a.mantissa % scaled == 0
    }

    /// The shortest decimal that reads back as `value`, as |mantissa| × 10^exponent.
    private static func decimal(_ value: Double) -> (mantissa: Int64, exponent: Int)? {
        let text = "\(abs(value))"
        let parts = text.split(separator: "e", maxSplits: 1)
        guard let number = parts.first else { return nil }
        var exponent = parts.count == 2 ? (Int(parts[1]) ?? 0) : 0
        let pieces = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var digits = String(pieces[0])
        if pieces.count == 2 {
            digits += pieces[1]
            exponent -= pieces[1].count
        }
        while digits.count > 1, digits.hasSuffix("0") {
            digits.removeLast()
            exponent += 1
        }
        guard let mantissa = Int64(digits) else { return nil }
        return (mantissa, exponent)
    }

    private static func scale(_ value: Int64, by power: Int) -> Int64? {
        guard power >= 0, power <= 18 else { return nil }
        var result = value
        for _ in 0..<power {
            let (product, overflow) = result.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            result = product
        }
        return result
    }
}
