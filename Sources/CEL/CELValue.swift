/// A CEL value. Errors and unknowns are values too: they flow through evaluation and are absorbed only
/// where the language says (`&&`, `||`, `?:`, comprehension loops).
public enum CELValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case list([CELValue])
    case map(CELMap)
    case timestamp(CELTimestamp)
    case duration(CELDuration)
    case type(CELType)
    case opaque(any CELOpaqueValue)
    case error(CELError)
    case unknown(CELUnknown)

    /// True for errors and unknowns, which strict functions return unchanged.
    @inlinable
    public var isErrorOrUnknown: Bool {
        switch self {
        case .error, .unknown: return true
        default: return false
        }
    }

    public var type: CELType {
        switch self {
        case .null: return .nullType
        case .bool: return .bool
        case .int: return .int
        case .uint: return .uint
        case .double: return .double
        case .string: return .string
        case .bytes: return .bytes
        case .list: return .list
        case .map: return .map
        case .timestamp: return .timestamp
        case .duration: return .duration
        case .type: return .typeType
        case .opaque(let value): return CELType(value.typeName)
        case .error: return CELType("error")
        case .unknown: return CELType("unknown")
        }
    }

    /// The error returned when no overload accepts the arguments.
    public static func noOverload(_ function: String, _ args: CELValue...) -> CELValue {
        .error(CELError("no such overload: \(function)(\(args.map { $0.type.name }.joined(separator: ", ")))"))
    }

    public static func error(_ message: String) -> CELValue { .error(CELError(message)) }
}

/// A runtime error: a value, not a Swift error, so `false && error` can be `false`.
public struct CELError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An unknown value (partial evaluation): the ids of the attributes it depends on.
public struct CELUnknown: Sendable, Equatable {
    public var attributes: [String]
    public init(_ attributes: [String]) { self.attributes = attributes }
    func merged(_ other: CELUnknown) -> CELUnknown { CELUnknown(attributes + other.attributes.filter { !attributes.contains($0) }) }
}

/// A type as a value (`type(1) == int`).
public struct CELType: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }
    public var description: String { name }

    public static let nullType = CELType("null_type")
    public static let bool = CELType("bool")
    public static let int = CELType("int")
    public static let uint = CELType("uint")
    public static let double = CELType("double")
    public static let string = CELType("string")
    public static let bytes = CELType("bytes")
    public static let list = CELType("list")
    public static let map = CELType("map")
    public static let timestamp = CELType("google.protobuf.Timestamp")
    public static let duration = CELType("google.protobuf.Duration")
    public static let typeType = CELType("type")

    /// The type names that are values in every environment.
    static let builtins: [String: CELType] = [
        "null_type": .nullType, "bool": .bool, "int": .int, "uint": .uint, "double": .double, "string": .string,
        "bytes": .bytes, "list": .list, "map": .map, "type": .typeType,
        "google.protobuf.Timestamp": .timestamp, "google.protobuf.Duration": .duration,
    ]
}

/// Values of types an environment adds (Cerbos's `hierarchy`).
public protocol CELOpaqueValue: Sendable {
    var typeName: String { get }
    /// Equality with another value; `nil` when the comparison is not defined (an error).
    func equals(_ other: CELValue) -> Bool?
}

// No ExpressibleByNilLiteral: `nil` must always mean Optional.none, never CEL's null.
extension CELValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: CELValue...) { self = .list(elements) }
}
