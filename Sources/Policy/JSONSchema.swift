import CEL
import Foundation

/// One way a value fails a schema: where in the value (a JSON pointer such as `/tags/0`, `""` for the whole
/// value) and why, worded like santhosh-tekuri/jsonschema, the validator Cerbos uses.
struct JSONSchemaError: Sendable, Hashable {
    var path: String
    var message: String
}

/// A schema that cannot be used: text that is not JSON, a keyword whose value has the wrong shape, a `$ref`
/// that leads nowhere or into a loop.
struct JSONSchemaLoadError: Error, Sendable, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A JSON Schema (draft 2020-12, also reading the draft-07 spellings `definitions`, `dependencies` and array
/// `items`) compiled once, with every `$ref` resolved, to validate principal and resource attributes.
///
/// Not supported: `$dynamicRef` is resolved statically like `$ref`; content keywords (`contentEncoding`,
/// `contentMediaType`) and `$vocabulary` are ignored; the meta-schemas are not built in, so a `$ref` to
/// `https://json-schema.org/...` fails to load unless `load` returns it.
struct JSONSchema: Sendable {
    private let nodes: [SchemaNode]
    private let root: Int

    /// Compiles `json`, the schema document found at `uri`; `load` returns the text of other documents that a
    /// `$ref` names (`cerbos:///common.json`), or nil when there is none, which makes this initialiser throw.
    init(json: String, uri: String, load: @escaping @Sendable (String) -> String?) throws {
        var compiler = SchemaCompiler(load: load)
        let compiled = try compiler.compile(json: json, uri: uri)
        nodes = compiled.nodes
        root = compiled.root
    }

    /// The ways `value` fails the schema, one per failing keyword; empty when it conforms.
    func validate(_ value: CELValue) -> [JSONSchemaError] {
        var errors: [JSONSchemaError] = []
        _ = SchemaEvaluator(nodes: nodes).evaluate(root, JSONValue(value), path: "", depth: 0, errors: &errors)
        return errors
    }
}

// MARK: - JSON values

/// JSON as the validator sees it: objects keep their key order so that errors come out in a stable order.
private indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
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
        case .list(let items): self = .array(items.map { JSONValue($0, depth: depth + 1) })
        case .map(let map):
            var object = JSONObject()
            for (key, item) in map.entries {
                let name: String
                if case .string(let s) = key { name = s } else { name = key.description }
                object[name] = JSONValue(item, depth: depth + 1)
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
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
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

    static func quotedJSON(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

private struct JSONObject: Sendable {
    private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    var count: Int { keys.count }

    subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            guard let newValue else { return }
            if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
        }
    }
}

/// A JSON number: exact when it is an integer Int64 holds, a double otherwise.
private struct JSONNumber: Sendable, CustomStringConvertible {
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

/// JSON text to `JSONValue`, keeping object key order and telling `true` from `1`.
private struct JSONTextParser {
    struct SyntaxError: Error {
        var message: String
        var offset: Int
    }

    static let maxDepth = 256
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    /// "line L, column C" of a byte offset, for messages.
    func position(of offset: Int) -> String {
        var line = 1, column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return "line \(line), column \(column)"
    }

    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected text after the JSON value") }
        return value
    }

    private func failure(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: index) }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard peek == byte else { throw failure("expected \(what)") }
        index += 1
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw failure("nested more than \(Self.maxDepth) levels") }
        guard let b = peek else { throw failure("unexpected end of input") }
        switch b {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected character")
        }
    }

    private mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard bytes[index...].starts(with: expected) else { throw failure("invalid literal") }
        index += expected.count
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        index += 1
        var object = JSONObject()
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw failure("expected a property name in double quotes") }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            object[key] = try parseValue(depth: depth + 1)
            skipWhitespace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            return .object(object)
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "]"), "',' or ']'")
            return .array(items)
        }
    }

    private mutating func parseString() throws -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let b = peek else { throw failure("unterminated string") }
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let e = peek else { throw failure("unterminated string") }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), bytes[index...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) {
                        let save = index
                        index += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            index = save
                        }
                    }
                    out.append(contentsOf: Array(String(Unicode.Scalar(code) ?? "\u{FFFD}").utf8))
                default:
                    index -= 1
                    throw failure("invalid escape sequence")
                }
            case 0..<0x20:
                index -= 1
                throw failure("control character in string")
            default:
                out.append(b)
            }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
            bytes[index..<index + 4].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") })
        else { throw failure("invalid \\u escape") }
        index += 4
        return value
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = index
        func digits() -> Int {
            let from = index
            while let b = peek, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { index += 1 }
            return index - from
        }
        if peek == UInt8(ascii: "-") { index += 1 }
        var integral = true
        if peek == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw failure("invalid number")
        }
        if peek == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard digits() > 0 else { throw failure("invalid number") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            integral = false
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw failure("invalid number") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let int = Int64(text) { return .number(JSONNumber(int: int)) }
        guard let double = Double(text) else { throw failure("invalid number") }
        return .number(JSONNumber(double: double))
    }
}

// MARK: - URIs and JSON pointers

/// RFC 3986 reference resolution, enough for `$id` and `$ref` (`other.json#/$defs/x` against `cerbos:///a.json`).
private enum SchemaURI {
    private struct Parts {
        var scheme: String?
        var authority: String?
        var path = ""
        var query: String?
        var fragment: String?

        init(_ text: String) {
            var rest = Substring(text)
            if let hash = rest.firstIndex(of: "#") {
                fragment = String(rest[rest.index(after: hash)...])
                rest = rest[..<hash]
            }
            if let question = rest.firstIndex(of: "?") {
                query = String(rest[rest.index(after: question)...])
                rest = rest[..<question]
            }
            if let colon = rest.firstIndex(of: ":"), let first = rest.first, first.isASCII, first.isLetter,
                rest[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }) {
                scheme = String(rest[..<colon])
                rest = rest[rest.index(after: colon)...]
            }
            if rest.hasPrefix("//") {
                rest = rest.dropFirst(2)
                let end = rest.firstIndex(of: "/") ?? rest.endIndex
                authority = String(rest[..<end])
                rest = rest[end...]
            }
            path = String(rest)
        }

        var text: String {
            var out = ""
            if let scheme { out += scheme + ":" }
            if let authority { out += "//" + authority }
            out += path
            if let query { out += "?" + query }
            if let fragment { out += "#" + fragment }
            return out
        }
    }

    static func resolve(_ reference: String, against base: String) -> String {
        let r = Parts(reference)
        let b = Parts(base)
        var t = r
        if r.scheme != nil {
            t.path = removeDotSegments(r.path)
            return t.text
        }
        t.scheme = b.scheme
        if r.authority != nil {
            t.path = removeDotSegments(r.path)
            return t.text
        }
        t.authority = b.authority
        if r.path.isEmpty {
            t.path = b.path
            t.query = r.query ?? b.query
        } else if r.path.hasPrefix("/") {
            t.path = removeDotSegments(r.path)
        } else if b.authority != nil && b.path.isEmpty {
            t.path = removeDotSegments("/" + r.path)
        } else {
            let directory = b.path.lastIndex(of: "/").map { String(b.path[...$0]) } ?? ""
            t.path = removeDotSegments(directory + r.path)
        }
        return t.text
    }

    /// The URI without its fragment, and the fragment (percent-decoded).
    static func split(_ uri: String) -> (resource: String, fragment: String) {
        guard let hash = uri.firstIndex(of: "#") else { return (uri, "") }
        let fragment = String(uri[uri.index(after: hash)...])
        return (String(uri[..<hash]), fragment.removingPercentEncoding ?? fragment)
    }

    private static func removeDotSegments(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var output: [Substring] = []
        for (i, segment) in segments.enumerated() where !(i == 0 && absolute) {
            let last = i == segments.count - 1
            switch segment {
            case ".":
                if last { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if last { output.append("") }
            default:
                output.append(segment)
            }
        }
        return (absolute ? "/" : "") + output.joined(separator: "/")
    }
}

private enum JSONPointer {
    static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func tokens(_ pointer: String) -> [String] {
        pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map { $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~") }
    }

    /// `pointer` with every token escaped the one canonical way, so equal locations have equal keys.
    static func canonical(_ pointer: String) -> String {
        tokens(pointer).map { "/" + escape($0) }.joined()
    }

    static func resolve(_ pointer: String, in document: JSONValue) -> JSONValue? {
        var value = document
        for token in tokens(pointer) {
            switch value {
            case .object(let object):
                guard let next = object[token] else { return nil }
                value = next
            case .array(let items):
                guard token.allSatisfy(\.isASCII), let i = Int(token), items.indices.contains(i) else { return nil }
                value = items[i]
            default:
                return nil
            }
        }
        return value
    }
}

// MARK: - Compiled schema

/// One schema object, keywords parsed and subschemas replaced by their index in the compiled node list.
private struct SchemaNode: Sendable {
    /// Set for `true` / `false` schemas, which have no keywords.
    var always: Bool?
    var ref: Int?
    var types: [String]?
    var const: JSONValue?
    var enumValues: [JSONValue]?
    var minimum: JSONNumber?
    var maximum: JSONNumber?
    var exclusiveMinimum: JSONNumber?
    var exclusiveMaximum: JSONNumber?
    var multipleOf: JSONNumber?
    var minLength: Int?
    var maxLength: Int?
    var pattern: ECMARegex?
    var format: String?
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false
    var prefixItems: [Int] = []
    var items: Int?
    var contains: Int?
    var minContains = 1
    var maxContains: Int?
    var minProperties: Int?
    var maxProperties: Int?
    var required: [String] = []
    var properties: [(name: String, schema: Int)] = []
    var declaredProperties: Set<String> = []
    var patternProperties: [(pattern: ECMARegex, schema: Int)] = []
    var additionalProperties: Int?
    var propertyNamesSchema: Int?
    var dependentRequired: [(name: String, required: [String])] = []
    var dependentSchemas: [(name: String, schema: Int)] = []
    var allOf: [Int] = []
    var anyOf: [Int] = []
    var oneOf: [Int] = []
    var not: Int?
    var ifSchema: Int?
    var thenSchema: Int?
    var elseSchema: Int?
    var unevaluatedProperties: Int?
    var unevaluatedItems: Int?

    /// Subschemas applied to the same value, the edges along which a `$ref` cycle would never end.
    var inPlace: [Int] {
        [ref, not, ifSchema, thenSchema, elseSchema].compactMap { $0 } + allOf + anyOf + oneOf + dependentSchemas.map(\.schema)
    }
}

/// Reads a schema document and the documents its `$ref`s name, and compiles every reachable subschema once.
/// Work is a queue, not recursion, so long `$ref` chains and recursive schemas need no stack.
private struct SchemaCompiler {
    private struct Location: Hashable {
        var document: String
        var pointer: String
        var key: String { document + "#" + pointer }
    }

    private struct Pending {
        var index: Int
        var value: JSONValue
        var location: Location
        var base: String
    }

    let load: @Sendable (String) -> String?
    private var documents: [String: JSONValue] = [:]
    /// Schema resources (documents and `$id`s) by absolute URI.
    private var resources: [String: Location] = [:]
    /// `$anchor`s by "resource URI#name".
    private var anchors: [String: Location] = [:]
    /// The base URI in effect inside each schema location found by `scan`.
    private var bases: [String: String] = [:]
    private var nodes: [SchemaNode] = []
    private var nodeLocations: [String] = []
    private var indexByLocation: [String: Int] = [:]
    private var pending: [Pending] = []

    private static let singleSchemaKeywords = [
        "additionalProperties", "propertyNames", "contains", "not", "if", "then", "else", "unevaluatedProperties",
        "unevaluatedItems", "additionalItems", "items",
    ]
    private static let schemaArrayKeywords = ["allOf", "anyOf", "oneOf", "prefixItems", "items"]
    private static let schemaMapKeywords = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"]
    private static let typeNames: Set<String> = ["null", "boolean", "object", "array", "number", "string", "integer"]

    init(load: @escaping @Sendable (String) -> String?) {
        self.load = load
    }

    mutating func compile(json: String, uri: String) throws -> (nodes: [SchemaNode], root: Int) {
        let (documentURI, fragment) = SchemaURI.split(uri)
        try addDocument(json, uri: documentURI)
        let root = try target(resource: documentURI, fragment: fragment, reference: uri, from: nil)
        while let item = pending.popLast() {
            nodes[item.index] = try compileNode(item)
        }
        try checkForEndlessLoops()
        return (nodes, root)
    }

    // MARK: Documents and references

    private mutating func addDocument(_ text: String, uri: String) throws {
        var parser = JSONTextParser(text)
        let document: JSONValue
        do {
            document = try parser.parseDocument()
        } catch let error as JSONTextParser.SyntaxError {
            throw JSONSchemaLoadError(message: "\(uri) is not valid JSON: \(error.message) at \(parser.position(of: error.offset))")
        }
        documents[uri] = document
        resources[uri] = Location(document: uri, pointer: "")
        scan(document, document: uri)
    }

    /// Records the `$id`s, `$anchor`s and base URIs of every subschema of a document.
    private mutating func scan(_ document: JSONValue, document uri: String) {
        var stack: [(value: JSONValue, pointer: String, base: String)] = [(document, "", uri)]
        while let item = stack.popLast() {
            guard case .object(let object) = item.value else { continue }
            let pointer = item.pointer
            let location = Location(document: uri, pointer: pointer)
            var base = item.base
            if case .string(let id)? = object["$id"] {
                if id.hasPrefix("#") {
                    anchors[base + id] = location  // draft-07 spelling of an anchor
                } else {
                    base = SchemaURI.split(SchemaURI.resolve(id, against: base)).resource
                    if resources[base] == nil { resources[base] = location }
                }
            }
            for keyword in ["$anchor", "$dynamicAnchor"] {
                if case .string(let name)? = object[keyword], anchors[base + "#" + name] == nil { anchors[base + "#" + name] = location }
            }
            bases[location.key] = base
            for (suffix, child) in Self.subschemas(of: object) { stack.append((child, pointer + suffix, base)) }
        }
    }

    private static func subschemas(of object: JSONObject) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        for keyword in singleSchemaKeywords {
            if let value = object[keyword], value.isSchema { out.append(("/" + keyword, value)) }
        }
        for keyword in schemaArrayKeywords {
            if case .array(let items)? = object[keyword] {
                for (i, item) in items.enumerated() where item.isSchema { out.append(("/\(keyword)/\(i)", item)) }
            }
        }
        for keyword in schemaMapKeywords {
            if case .object(let map)? = object[keyword] {
                for key in map.keys {
                    if let value = map[key], value.isSchema { out.append(("/" + JSONPointer.escape(keyword) + "/" + JSONPointer.escape(key), value)) }
                }
            }
        }
        return out
    }

    private mutating func resolveReference(_ reference: String, base: String, from location: Location) throws -> Int {
        let (resource, fragment) = SchemaURI.split(SchemaURI.resolve(reference, against: base))
        if resources[resource] == nil && documents[resource] == nil {
            guard let text = load(resource) else {
                throw JSONSchemaLoadError(message: "cannot load schema \(resource), referenced by \"\(reference)\" at \(location.key)")
            }
            try addDocument(text, uri: resource)
        }
        return try target(resource: resource, fragment: fragment, reference: reference, from: location)
    }

    /// The node for `fragment` (a JSON pointer or an anchor name) inside a known resource.
    private mutating func target(resource: String, fragment: String, reference: String, from: Location?) throws -> Int {
        let referrer = from.map { " at \($0.key)" } ?? ""
        guard let root = resources[resource] else {
            throw JSONSchemaLoadError(message: "cannot load schema \(resource), referenced by \"\(reference)\"\(referrer)")
        }
        let location: Location
        if fragment.isEmpty {
            location = root
        } else if fragment.hasPrefix("/") {
            location = Location(document: root.document, pointer: root.pointer + JSONPointer.canonical(fragment))
        } else if let anchor = anchors[resource + "#" + fragment] {
            location = anchor
        } else {
            throw JSONSchemaLoadError(message: "$ref \"\(reference)\"\(referrer): no anchor \"\(fragment)\" in \(resource)")
        }
        guard let document = documents[location.document], let value = JSONPointer.resolve(location.pointer, in: document) else {
            throw JSONSchemaLoadError(message: "$ref \"\(reference)\"\(referrer): nothing at \(location.key)")
        }
        guard value.isSchema else {
            throw JSONSchemaLoadError(message: "$ref \"\(reference)\"\(referrer): \(location.key) is not a schema")
        }
        return index(for: location, value: value, base: resource)
    }

    private mutating func index(for location: Location, value: JSONValue, base: String) -> Int {
        if let existing = indexByLocation[location.key] { return existing }
        let index = nodes.count
        nodes.append(SchemaNode())
        nodeLocations.append(location.key)
        indexByLocation[location.key] = index
        pending.append(Pending(index: index, value: value, location: location, base: base))
        return index
    }

    // MARK: Keywords

    private mutating func compileNode(_ item: Pending) throws -> SchemaNode {
        let object: JSONObject
        switch item.value {
        case .bool(let always): return SchemaNode(always: always)
        case .object(let o): object = o
        default: throw JSONSchemaLoadError(message: "invalid schema at \(item.location.key): a schema must be an object or a boolean")
        }
        let location = item.location
        var base = item.base
        if let scanned = bases[location.key] {
            base = scanned
        } else if case .string(let id)? = object["$id"], !id.hasPrefix("#") {
            base = SchemaURI.split(SchemaURI.resolve(id, against: base)).resource
        }

        func invalid(_ keyword: String, _ requirement: String) -> JSONSchemaLoadError {
            JSONSchemaLoadError(message: "invalid schema at \(location.key): \(keyword) must be \(requirement)")
        }
        func subschema(_ suffix: String, _ value: JSONValue, _ keyword: String) throws -> Int {
            guard value.isSchema else { throw invalid(keyword, "a schema (an object or a boolean)") }
            return index(for: Location(document: location.document, pointer: location.pointer + suffix), value: value, base: base)
        }
        func schema(_ keyword: String) throws -> Int? {
            guard let value = object[keyword] else { return nil }
            return try subschema("/" + keyword, value, keyword)
        }
        func schemaArray(_ keyword: String) throws -> [Int] {
            guard let value = object[keyword] else { return [] }
            guard case .array(let items) = value, !items.isEmpty else { throw invalid(keyword, "a non-empty array of schemas") }
            return try items.enumerated().map { try subschema("/\(keyword)/\($0.offset)", $0.element, keyword) }
        }
        func schemaMap(_ keyword: String) throws -> [(name: String, schema: Int)] {
            guard let value = object[keyword] else { return [] }
            guard case .object(let map) = value else { throw invalid(keyword, "an object whose values are schemas") }
            return try map.keys.map { key -> (name: String, schema: Int) in
                (key, try subschema("/\(keyword)/" + JSONPointer.escape(key), map[key] ?? .null, keyword))
            }
        }
        func count(_ keyword: String) throws -> Int? {
            guard let value = object[keyword] else { return nil }
            guard case .number(let n) = value, n.isInteger, n.double >= 0 else { throw invalid(keyword, "a non-negative integer") }
            return n.int.map { Int(clamping: $0) } ?? Int.max
        }
        func number(_ keyword: String) throws -> JSONNumber? {
            guard let value = object[keyword] else { return nil }
            guard case .number(let n) = value, !n.double.isNaN else { throw invalid(keyword, "a number") }
            return n
        }
        func strings(_ value: JSONValue, _ keyword: String) throws -> [String] {
            guard case .array(let items) = value else { throw invalid(keyword, "an array of strings") }
            return try items.map {
                guard case .string(let s) = $0 else { throw invalid(keyword, "an array of strings") }
                return s
            }
        }
        func regex(_ pattern: String, _ keyword: String) throws -> ECMARegex {
            guard let regex = ECMARegex(pattern) else { throw invalid(keyword, "a valid regular expression, not '\(pattern)'") }
            return regex
        }

        var node = SchemaNode()
        if case .string(let reference)? = object["$ref"] ?? object["$dynamicRef"] {
            node.ref = try resolveReference(reference, base: base, from: location)
        } else if object["$ref"] != nil {
            throw invalid("$ref", "a string")
        }

        if let type = object["type"] {
            let names: [String]
            if case .string(let name) = type { names = [name] } else { names = try strings(type, "type") }
            guard !names.isEmpty, names.allSatisfy(Self.typeNames.contains) else {
                throw invalid("type", "one of \(Self.typeNames.sorted().joined(separator: ", ")) or an array of them")
            }
            node.types = names
        }
        node.const = object["const"]
        if let values = object["enum"] {
            guard case .array(let items) = values else { throw invalid("enum", "an array") }
            node.enumValues = items
        }

        node.minimum = try number("minimum")
        node.maximum = try number("maximum")
        // Draft-04 wrote exclusive bounds as booleans beside minimum/maximum.
        if case .bool(let exclusive)? = object["exclusiveMinimum"] {
            if exclusive { (node.minimum, node.exclusiveMinimum) = (nil, node.minimum) }
        } else {
            node.exclusiveMinimum = try number("exclusiveMinimum")
        }
        if case .bool(let exclusive)? = object["exclusiveMaximum"] {
            if exclusive { (node.maximum, node.exclusiveMaximum) = (nil, node.maximum) }
        } else {
            node.exclusiveMaximum = try number("exclusiveMaximum")
        }
        node.multipleOf = try number("multipleOf")
        if let m = node.multipleOf, !(m.double > 0) || m.double.isInfinite { throw invalid("multipleOf", "a number greater than 0") }

        node.minLength = try count("minLength")
        node.maxLength = try count("maxLength")
        if let value = object["pattern"] {
            guard case .string(let pattern) = value else { throw invalid("pattern", "a string") }
            node.pattern = try regex(pattern, "pattern")
        }
        if let value = object["format"] {
            guard case .string(let format) = value else { throw invalid("format", "a string") }
            node.format = format
        }

        node.minItems = try count("minItems")
        node.maxItems = try count("maxItems")
        if let value = object["uniqueItems"] {
            guard case .bool(let unique) = value else { throw invalid("uniqueItems", "a boolean") }
            node.uniqueItems = unique
        }
        if case .array = object["items"] {
            // Draft-07 tuple form: items is the prefix, additionalItems the rest.
            node.prefixItems = try schemaArray("items")
            node.items = try schema("additionalItems")
        } else {
            node.prefixItems = try schemaArray("prefixItems")
            node.items = try schema("items")
        }
        node.contains = try schema("contains")
        node.minContains = try count("minContains") ?? 1
        node.maxContains = try count("maxContains")

        node.minProperties = try count("minProperties")
        node.maxProperties = try count("maxProperties")
        if let value = object["required"] { node.required = try strings(value, "required") }
        node.properties = try schemaMap("properties")
        node.declaredProperties = Set(node.properties.map(\.name))
        for (name, schema) in try schemaMap("patternProperties") {
            node.patternProperties.append((try regex(name, "patternProperties"), schema))
        }
        node.additionalProperties = try schema("additionalProperties")
        node.propertyNamesSchema = try schema("propertyNames")
        if let value = object["dependentRequired"] {
            guard case .object(let map) = value else { throw invalid("dependentRequired", "an object whose values are arrays of strings") }
            for key in map.keys { node.dependentRequired.append((key, try strings(map[key] ?? .null, "dependentRequired"))) }
        }
        node.dependentSchemas = try schemaMap("dependentSchemas")
        if case .object(let map)? = object["dependencies"] {
            for key in map.keys {
                guard let value = map[key] else { continue }
                if case .array = value {
                    node.dependentRequired.append((key, try strings(value, "dependencies")))
                } else {
                    node.dependentSchemas.append((key, try subschema("/dependencies/" + JSONPointer.escape(key), value, "dependencies")))
                }
            }
        }

        node.allOf = try schemaArray("allOf")
        node.anyOf = try schemaArray("anyOf")
        node.oneOf = try schemaArray("oneOf")
        node.not = try schema("not")
        node.ifSchema = try schema("if")
        if node.ifSchema != nil {
            node.thenSchema = try schema("then")
            node.elseSchema = try schema("else")
        }
        node.unevaluatedProperties = try schema("unevaluatedProperties")
        node.unevaluatedItems = try schema("unevaluatedItems")
        return node
    }

    /// A cycle of subschemas applied to the same value (`{"$ref": "#"}`) would never finish validating.
    private func checkForEndlessLoops() throws {
        enum Mark { case unvisited, active, done }
        var marks = [Mark](repeating: .unvisited, count: nodes.count)
        for start in nodes.indices where marks[start] == .unvisited {
            var stack: [(node: Int, next: Int)] = [(start, 0)]
            marks[start] = .active
            while let (node, next) = stack.last.map({ ($0.node, $0.next) }) {
                let edges = nodes[node].inPlace
                if next == edges.count {
                    marks[node] = .done
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let child = edges[next]
                switch marks[child] {
                case .active:
                    throw JSONSchemaLoadError(message: "invalid schema: \(nodeLocations[child]) refers to itself without descending into the value (an endless $ref loop)")
                case .unvisited:
                    marks[child] = .active
                    stack.append((child, 0))
                case .done:
                    break
                }
            }
        }
    }
}

// MARK: - Validation

/// What a subschema looked at, for `unevaluatedProperties` / `unevaluatedItems`.
private struct Evaluated {
    var properties: Set<String> = []
    var items: Set<Int> = []
    var allItems = false

    mutating func merge(_ other: Evaluated) {
        properties.formUnion(other.properties)
        items.formUnion(other.items)
        allItems = allItems || other.allItems
    }
}

private struct SchemaEvaluator {
    let nodes: [SchemaNode]
    static let maxDepth = 400

    func evaluate(_ index: Int, _ value: JSONValue, path: String, depth: Int, errors: inout [JSONSchemaError]) -> Evaluated {
        var evaluated = Evaluated()
        func fail(_ message: String) {
            errors.append(JSONSchemaError(path: path, message: message))
        }
        guard depth < Self.maxDepth, nodes.indices.contains(index) else {
            fail("schema nested more than \(Self.maxDepth) levels deep at this value")
            return evaluated
        }
        let node = nodes[index]
        if let always = node.always {
            if !always { fail("not allowed") }
            return evaluated
        }
        /// Applies a subschema; its errors are the caller's. Returns what it evaluated, if it passed.
        func apply(_ schema: Int, _ item: JSONValue, at location: String, errors: inout [JSONSchemaError]) -> Evaluated? {
            let before = errors.count
            let result = evaluate(schema, item, path: location, depth: depth + 1, errors: &errors)
            return errors.count == before ? result : nil
        }
        /// Tests a subschema without reporting its errors.
        func passes(_ schema: Int, _ item: JSONValue, at location: String) -> Evaluated? {
            var scratch: [JSONSchemaError] = []
            return apply(schema, item, at: location, errors: &scratch)
        }

        if let types = node.types, !types.contains(where: value.hasType) {
            fail("expected \(types.joined(separator: " or ")), but got \(value.typeName)")
            return evaluated
        }
        if let constant = node.const, !JSONValue.equal(constant, value) {
            fail("value must be \(constant.rendered)")
        }
        if let values = node.enumValues, !values.contains(where: { JSONValue.equal($0, value) }) {
            fail(values.count == 1 ? "value must be \(values[0].rendered)" : "value must be one of \(values.map(\.rendered).joined(separator: ", "))")
        }

        switch value {
        case .number(let n):
            if let m = node.minimum, JSONNumber.compare(n, m).map({ $0 < 0 }) ?? true { fail("must be >= \(m) but found \(n)") }
            if let m = node.exclusiveMinimum, JSONNumber.compare(n, m).map({ $0 <= 0 }) ?? true { fail("must be > \(m) but found \(n)") }
            if let m = node.maximum, JSONNumber.compare(n, m).map({ $0 > 0 }) ?? true { fail("must be <= \(m) but found \(n)") }
            if let m = node.exclusiveMaximum, JSONNumber.compare(n, m).map({ $0 >= 0 }) ?? true { fail("must be < \(m) but found \(n)") }
            if let m = node.multipleOf, !n.isMultiple(of: m) { fail("\(n) not multipleOf \(m)") }

        case .string(let s):
            if node.minLength != nil || node.maxLength != nil {
                let length = s.unicodeScalars.count
                if let m = node.minLength, length < m { fail("length must be >= \(m), but got \(length)") }
                if let m = node.maxLength, length > m { fail("length must be <= \(m), but got \(length)") }
            }
            if let pattern = node.pattern, !pattern.matches(s) { fail("does not match pattern \(quote(pattern.source))") }
            if let format = node.format, !SchemaFormat.isValid(s, format: format) { fail("\(quote(s)) is not valid \(quote(format))") }

        case .array(let items):
            if let m = node.minItems, items.count < m { fail("minimum \(m) items required, but found \(items.count) items") }
            if let m = node.maxItems, items.count > m { fail("maximum \(m) items required, but found \(items.count) items") }
            if node.uniqueItems, let pair = Self.firstDuplicate(items) { fail("items at index \(pair.0) and \(pair.1) are equal") }
            for (i, schema) in node.prefixItems.enumerated() where i < items.count {
                _ = apply(schema, items[i], at: path + "/\(i)", errors: &errors)
                evaluated.items.insert(i)
            }
            if let schema = node.items, items.count > node.prefixItems.count {
                if nodes[schema].always == false {
                    fail("only \(node.prefixItems.count) items are allowed, but found \(items.count) items")
                } else {
                    for i in node.prefixItems.count..<items.count { _ = apply(schema, items[i], at: path + "/\(i)", errors: &errors) }
                }
                evaluated.allItems = true
            }
            if let schema = node.contains {
                var matched = 0
                for (i, item) in items.enumerated() where passes(schema, item, at: path + "/\(i)") != nil {
                    matched += 1
                    evaluated.items.insert(i)
                }
                if matched < node.minContains {
                    fail(node.minContains == 1 ? "no items match contains schema"
                        : "min \(node.minContains) items required to match contains schema, but matched \(matched) items")
                }
                if let m = node.maxContains, matched > m { fail("max \(m) items required to match contains schema, but matched \(matched) items") }
            }

        case .object(let object):
            if let m = node.minProperties, object.count < m { fail("minimum \(m) properties required, but found \(object.count) properties") }
            if let m = node.maxProperties, object.count > m { fail("maximum \(m) properties allowed, but found \(object.count) properties") }
            let missing = node.required.filter { object[$0] == nil }
            if !missing.isEmpty { fail("missing properties: " + missing.map(quote).joined(separator: ", ")) }
            for (name, schema) in node.properties {
                guard let property = object[name] else { continue }
                evaluated.properties.insert(name)
                _ = apply(schema, property, at: path + "/" + JSONPointer.escape(name), errors: &errors)
            }
            if let schema = node.propertyNamesSchema {
                for key in object.keys { _ = apply(schema, .string(key), at: path + "/" + JSONPointer.escape(key), errors: &errors) }
            }
            for (pattern, schema) in node.patternProperties {
                for key in object.keys where pattern.matches(key) {
                    evaluated.properties.insert(key)
                    _ = apply(schema, object[key] ?? .null, at: path + "/" + JSONPointer.escape(key), errors: &errors)
                }
            }
            if let schema = node.additionalProperties {
                let extra = object.keys.filter { key in !node.declaredProperties.contains(key) && !node.patternProperties.contains { $0.pattern.matches(key) } }
                if nodes[schema].always == false {
                    if !extra.isEmpty { fail("additionalProperties \(extra.map(quote).joined(separator: ", ")) not allowed") }
                } else {
                    for key in extra { _ = apply(schema, object[key] ?? .null, at: path + "/" + JSONPointer.escape(key), errors: &errors) }
                }
                evaluated.properties.formUnion(extra)
            }
            for (name, required) in node.dependentRequired where object[name] != nil {
                for property in required where object[property] == nil {
                    fail("property \(quote(property)) is required, if \(quote(name)) property exists")
                }
            }
            for (name, schema) in node.dependentSchemas where object[name] != nil {
                if let result = apply(schema, value, at: path, errors: &errors) { evaluated.merge(result) }
            }

        default:
            break
        }

        if let schema = node.ref, let result = apply(schema, value, at: path, errors: &errors) { evaluated.merge(result) }
        for schema in node.allOf {
            if let result = apply(schema, value, at: path, errors: &errors) { evaluated.merge(result) }
        }
        if !node.anyOf.isEmpty {
            var matched = false
            // Every branch runs: the ones that pass all contribute evaluated properties.
            for schema in node.anyOf {
                if let result = passes(schema, value, at: path) {
                    matched = true
                    evaluated.merge(result)
                }
            }
            if !matched { fail("anyOf failed") }
        }
        if !node.oneOf.isEmpty {
            var matches: [(index: Int, evaluated: Evaluated)] = []
            for (i, schema) in node.oneOf.enumerated() {
                if let result = passes(schema, value, at: path) { matches.append((i, result)) }
                if matches.count == 2 { break }
            }
            switch matches.count {
            case 0: fail("oneOf failed")
            case 1: evaluated.merge(matches[0].evaluated)
            default: fail("valid against schemas at indexes \(matches[0].index) and \(matches[1].index)")
            }
        }
        if let schema = node.not, passes(schema, value, at: path) != nil { fail("not failed") }
        if let condition = node.ifSchema {
            if let result = passes(condition, value, at: path) {
                evaluated.merge(result)
                if let schema = node.thenSchema, let result = apply(schema, value, at: path, errors: &errors) { evaluated.merge(result) }
            } else if let schema = node.elseSchema, let result = apply(schema, value, at: path, errors: &errors) {
                evaluated.merge(result)
            }
        }

        switch value {
        case .object(let object):
            guard let schema = node.unevaluatedProperties else { break }
            let extra = object.keys.filter { !evaluated.properties.contains($0) }
            if nodes[schema].always == false {
                if !extra.isEmpty { fail("unevaluatedProperties \(extra.map(quote).joined(separator: ", ")) not allowed") }
            } else {
                for key in extra { _ = apply(schema, object[key] ?? .null, at: path + "/" + JSONPointer.escape(key), errors: &errors) }
            }
            evaluated.properties.formUnion(extra)
        case .array(let items):
            guard let schema = node.unevaluatedItems, !evaluated.allItems else { break }
            let extra = items.indices.filter { !evaluated.items.contains($0) }
            if nodes[schema].always == false {
                if !extra.isEmpty { fail("unevaluatedItems at index \(extra.map(String.init).joined(separator: ", ")) not allowed") }
            } else {
                for i in extra { _ = apply(schema, items[i], at: path + "/\(i)", errors: &errors) }
            }
            evaluated.allItems = true
        default:
            break
        }
        return evaluated
    }

    /// The first pair of JSON-equal items, found by hashing a canonical form rather than comparing every pair.
    private static func firstDuplicate(_ items: [JSONValue]) -> (Int, Int)? {
        var seen: [[UInt8]: Int] = [:]
        for (j, item) in items.enumerated() {
            guard let canonical = item.canonical else { continue }
            if let i = seen.updateValue(j, forKey: Array(canonical.utf8)) { return (i, j) }
        }
        return nil
    }
}

/// A string in single quotes, as santhosh-tekuri/jsonschema quotes names and values in its messages.
private func quote(_ s: String) -> String {
    var out = "'"
    for scalar in s.unicodeScalars {
        switch scalar {
        case "'": out += "\\'"
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "'"
}

// MARK: - Patterns and formats

/// An ECMA-262 pattern run on ICU, searched unanchored. Rewritten where the dialects differ: `\d` and `\w` are
/// ASCII-only, `$` is the end of the text (not before a final newline), `[` inside a class is a literal, and a
/// `{` that does not start a quantifier is a literal.
private final class ECMARegex: @unchecked Sendable {
    // NSRegularExpression is immutable once built and safe to use from several threads.
    let source: String
    private let regex: NSRegularExpression

    init?(_ pattern: String) {
        source = pattern
        guard let regex = try? NSRegularExpression(pattern: Self.translate(pattern), options: []) else { return nil }
        self.regex = regex
    }

    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }

    static func translate(_ pattern: String) -> String {
        let chars = Array(pattern.unicodeScalars)
        var out = ""
        var i = 0
        var inClass = false
        func isQuantifier(at start: Int) -> Int? {
            // {n}, {n,}, {n,m}: returns the index of the closing brace.
            var j = start + 1
            var sawDigit = false
            while j < chars.count, ("0"..."9").contains(chars[j]) { j += 1; sawDigit = true }
            guard sawDigit, j < chars.count else { return nil }
            if chars[j] == "," {
                j += 1
                while j < chars.count, ("0"..."9").contains(chars[j]) { j += 1 }
            }
            return j < chars.count && chars[j] == "}" ? j : nil
        }
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count {
                let next = chars[i + 1]
                i += 2
                switch next {
                case "d": out += inClass ? "0-9" : "[0-9]"
                case "D": out += inClass ? "\\D" : "[^0-9]"
                case "w": out += inClass ? "A-Za-z0-9_" : "[A-Za-z0-9_]"
                case "W": out += inClass ? "\\W" : "[^A-Za-z0-9_]"
                default:
                    out += "\\"
                    out.unicodeScalars.append(next)
                }
                continue
            }
            i += 1
            if inClass {
                if c == "]" { inClass = false; out += "]" } else if c == "[" { out += "\\[" } else { out.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "[":
                if i < chars.count, chars[i] == "]" {
                    out += "(?!)"  // [] matches nothing
                    i += 1
                } else if i + 1 < chars.count, chars[i] == "^", chars[i + 1] == "]" {
                    out += "[\\s\\S]"  // [^] matches anything
                    i += 2
                } else {
                    inClass = true
                    out += "["
                    if i < chars.count, chars[i] == "^" { out += "^"; i += 1 }
                    if i < chars.count, chars[i] == "]" { out += "\\]"; i += 1 }
                }
            case "$": out += "(?![\\s\\S])"
            case "{":
                if let end = isQuantifier(at: i - 1) {
                    out += String(String.UnicodeScalarView(chars[(i - 1)...end]))
                    i = end + 1
                } else {
                    out += "\\{"
                }
            case "}": out += "\\}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

/// The `format` values checked; others are annotations and always pass. Checks are lenient where the RFCs are
/// baroque (email local parts, URIs) and exact where mistakes are common (calendar dates, IP addresses).
private enum SchemaFormat {
    static func isValid(_ s: String, format: String) -> Bool {
        switch format {
        case "date-time": return isDateTime(s)
        case "date": return isDate(Substring(s))
        case "time": return isTime(Substring(s))
        case "email": return isEmail(s)
        case "hostname": return isHostname(Substring(s))
        case "ipv4": return isIPv4(Substring(s))
        case "ipv6": return !s.contains("%") && !s.contains("[") && s.contains(":") && IPAddress(s) != nil
        case "uuid": return isUUID(s)
        case "uri": return isURI(s, requireScheme: true)
        case "uri-reference": return isURI(s, requireScheme: false)
        case "regex": return ECMARegex(s) != nil
        default: return true
        }
    }

    private static func number(_ s: Substring, digits: Int) -> Int? {
        guard s.count == digits, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }

    private static func isDateTime(_ s: String) -> Bool {
        guard let t = s.firstIndex(where: { $0 == "T" || $0 == "t" }) else { return false }
        return isDate(s[..<t]) && isTime(s[s.index(after: t)...])
    }

    private static func isDate(_ s: Substring) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let year = number(parts[0], digits: 4), let month = number(parts[1], digits: 2),
            let day = number(parts[2], digits: 2), (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// RFC 3339 full-time: `HH:MM:SS[.frac](Z|±HH:MM)`.
    private static func isTime(_ s: Substring) -> Bool {
        var rest = s
        if rest.hasSuffix("Z") || rest.hasSuffix("z") {
            rest = rest.dropLast()
        } else if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let offset = rest[rest.index(after: sign)...]
            rest = rest[..<sign]
            let parts = offset.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let h = number(parts[0], digits: 2), let m = number(parts[1], digits: 2), h < 24, m < 60 else { return false }
        } else {
            return false
        }
        if let dot = rest.firstIndex(of: ".") {
            let fraction = rest[rest.index(after: dot)...]
            guard !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            rest = rest[..<dot]
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let h = number(parts[0], digits: 2), let m = number(parts[1], digits: 2),
            let sec = number(parts[2], digits: 2)
        else { return false }
        return h < 24 && m < 60 && sec <= 60
    }

    private static func isEmail(_ s: String) -> Bool {
        guard let at = s.lastIndex(of: "@") else { return false }
        let local = s[..<at]
        let domain = s[s.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty else { return false }
        guard !s.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else { return false }
        if !(local.hasPrefix("\"") && local.hasSuffix("\"") && local.count >= 2) {
            guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."), !local.contains(where: { "()<>[]:;@\\,\"".contains($0) })
            else { return false }
        }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let literal = domain.dropFirst().dropLast()
            if literal.lowercased().hasPrefix("ipv6:") { return IPAddress(String(literal.dropFirst(5))).map { !$0.isIPv4 } ?? false }
            return isIPv4(literal)
        }
        return isHostname(domain)
    }

    private static func isHostname(_ s: Substring) -> Bool {
        let name = s.hasSuffix(".") ? s.dropLast() : s
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0 == "-" || $0.isLetter || $0.isNumber }
        }
    }

    private static func isIPv4(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(part) else { return false }
            return value <= 255 && !(part.count > 1 && part.hasPrefix("0"))
        }
    }

    private static func isUUID(_ s: String) -> Bool {
        let chars = Array(s.utf8)
        guard chars.count == 36 else { return false }
        for (i, c) in chars.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                guard c == UInt8(ascii: "-") else { return false }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(c | 0x20) else { return false }
            }
        }
        return true
    }

    private static func isURI(_ s: String, requireScheme: Bool) -> Bool {
        let forbidden: Set<Character> = [" ", "<", ">", "\"", "{", "}", "|", "\\", "^", "`"]
        let scalars = Array(s.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            if scalar.value < 0x21 || scalar.value == 0x7F || forbidden.contains(Character(scalar)) { return false }
            if scalar == "%" {
                guard i + 2 < scalars.count, scalars[i + 1].properties.isASCIIHexDigit, scalars[i + 2].properties.isASCIIHexDigit else { return false }
            }
        }
        guard requireScheme else { return true }
        guard let colon = s.firstIndex(of: ":"), let first = s.first, first.isASCII, first.isLetter else { return false }
        return s[..<colon].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }
    }
}
