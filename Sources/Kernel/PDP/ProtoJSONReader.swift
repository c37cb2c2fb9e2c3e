/// An error in Cerbos's wire format: a gRPC status code and message, answered as `{code, message}` with the
/// HTTP status grpc-gateway maps the code to.
struct PDPError: Error, Sendable {
    var code: Int
    var message: String
    var details: [JSONValue] = []

    /// gRPC INVALID_ARGUMENT.
    static func invalid(_ message: String) -> PDPError { PDPError(code: 3, message: message) }

    var httpStatus: Int {
        switch code {
        case 3, 9: 400
        case 5: 404
        case 7: 403
        case 8: 429
        case 12: 501
        case 14: 503
        case 16: 401
        default: 500
        }
    }

    var body: JSONValue {
        var object: [String: JSONValue] = ["code": .int(code), "message": .string(message)]
        if !details.isEmpty { object["details"] = .array(details) }
        return .object(object)
    }
}

/// Reads one protobuf-JSON object the way Cerbos's gateway does: a field may be written in lowerCamelCase
/// or in its original snake_case, an explicit `null` means unset, and any other member is an error.
struct ProtoJSONReader {
    let members: [String: JSONValue]
    /// Proto path of this object, for messages (`principal`, `resources[0].resource`).
    let path: String

    init(_ value: JSONValue, path: String, fields: [String]) throws(PDPError) {
        guard case .object(let members) = value else {
            throw .invalid("proto: \(path.isEmpty ? "request" : path): expected a JSON object, got \(Self.describe(value))")
        }
        let known = Set(fields + fields.map(JSONCoding.snakeCase))
        for key in members.keys.sorted() where !known.contains(key) {
            throw .invalid("proto: unknown field \"\(key)\"\(path.isEmpty ? "" : " in \(path)")")
        }
        self.members = members
        self.path = path
    }

    func child(_ field: String) -> String { path.isEmpty ? field : "\(path).\(field)" }

    /// The member named `field` (camelCase) or its snake_case spelling; nil when absent or null.
    func value(_ field: String) -> JSONValue? {
        let value = members[field] ?? members[JSONCoding.snakeCase(field)]
        if case .null = value { return nil }
        return value
    }

    func string(_ field: String) throws(PDPError) -> String? {
        guard let value = value(field) else { return nil }
        guard case .string(let text) = value else { throw .invalid("proto: invalid value for string field \(child(field)): \(Self.describe(value))") }
        return text
    }

    func bool(_ field: String) throws(PDPError) -> Bool? {
        guard let value = value(field) else { return nil }
        switch value {
        case .bool(let flag): return flag
        case .string("true"): return true
        case .string("false"): return false
        default: throw .invalid("proto: invalid value for bool field \(child(field)): \(Self.describe(value))")
        }
    }

    func strings(_ field: String) throws(PDPError) -> [String]? {
        guard let value = value(field) else { return nil }
        guard case .array(let items) = value else { throw .invalid("proto: invalid value for repeated field \(child(field)): \(Self.describe(value))") }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else {
                throw .invalid("proto: invalid value for string field \(child(field))[\(index)]: \(Self.describe(item))")
            }
            strings.append(text)
        }
        return strings
    }

    func list(_ field: String) throws(PDPError) -> [JSONValue]? {
        guard let value = value(field) else { return nil }
        guard case .array(let items) = value else { throw .invalid("proto: invalid value for repeated field \(child(field)): \(Self.describe(value))") }
        return items
    }

    /// A `map<string, google.protobuf.Value>`: any JSON per key (null included).
    func map(_ field: String) throws(PDPError) -> [String: JSONValue]? {
        guard let value = value(field) else { return nil }
        guard case .object(let members) = value else { throw .invalid("proto: invalid value for map field \(child(field)): \(Self.describe(value))") }
        return members
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .int(let number): "\(number)"
        case .double(let number): "\(number)"
        case .string(let text): "\"\(text.prefix(40))\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// protovalidate-style violations, gathered and reported together: `validation error:\n - field: message [rule]`.
struct ProtoViolations {
    private(set) var items: [(field: String, message: String, rule: String)] = []

    mutating func add(_ field: String, _ message: String, rule: String) {
        items.append((field, message, rule))
    }

    func check() throws(PDPError) {
        guard !items.isEmpty else { return }
        let message = "validation error:" + items.map { "\n - \($0.field): \($0.message) [\($0.rule)]" }.joined()
        let violations: [JSONValue] = items.map { ["field": .string($0.field), "ruleId": .string($0.rule), "message": .string($0.message)] }
        throw PDPError(code: 3, message: message, details: [["@type": "type.googleapis.com/buf.validate.Violations", "violations": .array(violations)]])
    }
}
