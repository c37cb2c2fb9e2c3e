import Foundation

/// A JSON document of any shape: OpenAPI fragments, problem extensions, event payloads.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let v): try container.encode(v)
        case .int(let v): try container.encode(v)
        case .double(let v): try container.encode(v)
        case .string(let v): try container.encode(v)
        case .array(let v): try container.encode(v)
        case .object(let v): try container.encode(v)
        }
    }

    /// Member of an object, or `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }

    /// Deep merge: objects merge member by member, anything else is replaced by `other`.
    public func merging(_ other: JSONValue) -> JSONValue {
        guard case .object(var mine) = self, case .object(let theirs) = other else { return other }
        for (key, value) in theirs { mine[key] = mine[key].map { $0.merging(value) } ?? value }
        return .object(mine)
    }

    /// Compact JSON text with keys sorted by their UTF-8 bytes (deterministic); `pretty` indents.
    public func jsonString(pretty: Bool = false) -> String {
        if pretty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "null"
        }
        return String(decoding: jsonBytes, as: UTF8.self)
    }

    /// Compact JSON as UTF-8 bytes, as `jsonString()` writes it.
    public var jsonBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        write(to: &bytes)
        return bytes
    }

    /// Compact serialization, written by hand: responses and events are serialized on every request, and
    /// Foundation's encoder costs more than the rest of a small request.
    public func write(to bytes: inout [UInt8]) {
        switch self {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let value): bytes.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): Self.writeInteger(value, to: &bytes)
        case .double(let value):
            if !value.isFinite {
                bytes.append(contentsOf: "null".utf8)
            } else if value == value.rounded(), abs(value) < 1e15 {
                bytes.append(contentsOf: String(Int(value)).utf8)
            } else {
                bytes.append(contentsOf: "\(value)".utf8)
            }
        case .string(let value): Self.writeString(value, to: &bytes)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                item.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            // The members in key order, sorted as positions in the dictionary: comparing keys through
            // `keys` copies no values (a small key is no heap object). A few sort by insertion, in place.
            withUnsafeTemporaryAllocation(of: Dictionary<String, JSONValue>.Index.self, capacity: members.count) { buffer in
                var order = buffer
                _ = order.initialize(from: members.indices)
                let precedes = { (a: Dictionary<String, JSONValue>.Index, b: Dictionary<String, JSONValue>.Index) in
                    Self.precedes(members.keys[a], members.keys[b])
                }
                if order.count > 16 {
                    order.sort(by: precedes)
                } else {
                    for sorted in order.indices.dropFirst() {
                        var position = sorted
                        while position > 0, precedes(order[position], order[position - 1]) {
                            order.swapAt(position, position - 1)
                            position -= 1
                        }
                    }
                }
                for (position, index) in order.enumerated() {
                    if position > 0 { bytes.append(UInt8(ascii: ",")) }
                    Self.writeString(members.keys[index], to: &bytes)
                    bytes.append(UInt8(ascii: ":"))
                    members.values[index].write(to: &bytes)
                }
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// The strings of a JSON array of strings (`["a","b"]`, as `jsonString` writes lists of roles and
    /// features), or `nil` when `text` is anything else. Plain strings are read directly; anything with
    /// escapes goes through Foundation's decoder.
    public static func strings(fromJSON text: String) -> [String]? {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return nil }
        if bytes.contains(UInt8(ascii: "\\")) { return try? JSONDecoder().decode([String].self, from: Data(bytes)) }
        var result: [String] = []
        var index = 1
        func skipSpace() { while index < bytes.count - 1, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 } }
        skipSpace()
        if index == bytes.count - 1 { return [] }
        while true {
            guard index < bytes.count - 1, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let start = index + 1
            guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\"")), end < bytes.count - 1 else { return nil }
            result.append(String(decoding: bytes[start..<end], as: UTF8.self))
            index = end + 1
            skipSpace()
            if index == bytes.count - 1 { return result }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
            skipSpace()
        }
    }

    /// UTF-8 byte order, compared in place.
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.withContiguousStorageIfAvailable { a in
            rhs.utf8.withContiguousStorageIfAvailable { b in
                let common = min(a.count, b.count)
                if common > 0, let x = a.baseAddress, let y = b.baseAddress {
                    let order = memcmp(x, y, common)
                    if order != 0 { return order < 0 }
                }
                return a.count < b.count
            }
        }.flatMap { $0 } ?? lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// Decimal digits, written without making a `String` first.
    static func writeInteger(_ value: Int, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for the 20 digits of UInt64.max
        withUnsafeMutableBytes(of: &digits) { buffer in
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    static func writeString(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            bytes.append(UInt8(ascii: "\""))
            // Most strings need no escaping: runs without a special byte are copied whole.
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
            bytes.append(UInt8(ascii: "\""))
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
}
