import CEL
import Foundation

/// JSON as the validator sees it: objects keep their key order so that errors come out in a stable order.
indirect enum SchemaJSON: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([SchemaJSON])
    case object(JSONObject)
    /// A CEL value JSON has no spelling for (bytes, timestamps, …): only its type name is kept.
    case other(String)

    static let maxInstanceDepth = 200

    init(_ value: CELValue, depth: Int = 0) {
        guard depth < Self.maxInstanceDepth else {
            self = .other("value nested more than \(Self.maxInstanceDepth) levels")
            return
        }
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .number(JSONNumber(int: i))
        case .uint(let u): self = .number(u <= UInt64(Int64.max) ? JSONNumber(int: Int64(u)) : JSONNumber(double: Double(u)))
        case .double(let d): self = .number(JSONNumber(double: d))
        case .string(let s): self = .string(s)
        case .list(let items): self = .array(items.map { SchemaJSON($0, depth: depth + 1) })
        case .map(let map):
            var object = JSONObject()
            for (key, item) in map.entries {
                let name: String
                if case .string(let s) = key { name = s } else { name = key.description }
                object[name] = SchemaJSON(item, depth: depth + 1)
            }
            self = .object(object)
        case .bytes: self = .other("bytes")
        case .timestamp: self = .other("timestamp")
        case .duration: self = .other("duration")
        case .type: self = .other("type")
        case .opaque(let opaque): self = .other(opaque.typeName)
        case .error: self = .other("error")
        case .unknown: self = .other("unknown")
        }
    }

    /// The JSON Schema type name (`integer` is never returned: it is a kind of `number`).
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        case .other(let name): return name
        }
    }

    func hasType(_ type: String) -> Bool {
        if type == "integer", case .number(let n) = self { return n.isInteger }
        return typeName == type
    }

    var isSchema: Bool {
        switch self {
        case .bool, .object: return true
        default: return false
        }
    }

    /// JSON equality: numbers by value (`1 == 1.0`), strings by code points, objects regardless of key order.
    static func equal(_ a: SchemaJSON, _ b: SchemaJSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return JSONNumber.compare(x, y) == 0
        case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            return x.keys.allSatisfy { key in y[key].map { equal(x[key] ?? .null, $0) } ?? false }
        default: return false
        }
    }

    /// Compact JSON text, for messages.
    var rendered: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.description
        case .string(let s): return Self.quotedJSON(s)
        case .array(let items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case .object(let object):
            return "{" + object.keys.map { Self.quotedJSON($0) + ":" + (object[$0]?.rendered ?? "null") }.joined(separator: ",") + "}"
        case .other(let name): return "<\(name)>"
        }
    }

    /// A text equal for JSON-equal values (object keys sorted, numbers normalised); nil for `.other`.
    var canonical: String? {
        switch self {
        case .number(let n): return n.int.map(String.init) ?? n.description
        case .array(let items):
            var parts: [String] = []
            for item in items {
                guard let c = item.canonical else { return nil }
                parts.append(c)
            }
            return "[" + parts.joined(separator: ",") + "]"
        case .object(let object):
            var parts: [String] = []
            for key in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                guard let c = object[key]?.canonical else { return nil }
                parts.append(Self.quotedJSON(key) + ":" + c)
            }
            return "{" + parts.joined(separator: ",") + "}"
        case .other: return nil
        default: return rendered
        }
    }

    static func quotedJSON(_ s: String) -> String { PolicyJSON.quoted(s) }
}

struct JSONObject: Sendable {
    private(set) var keys: [String] = []
    private var values: [String: SchemaJSON] = [:]

    var count: Int { keys.count }

    subscript(key: String) -> SchemaJSON? {
        get { values[key] }
        set {
            guard let newValue else { return }
            if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
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
            if y == 1 || y == -1 { return true }
            return x % y == 0
        }
        guard double.isFinite, divisor.double.isFinite, divisor.double != 0 else { return false }
        if let a = Self.decimal(double), let b = Self.decimal(divisor.double), b.mantissa != 0 {
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
        let quotient = double / divisor.double
        return quotient.isFinite && quotient.rounded(.towardZero) == quotient
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
