/// Reads a schema document and the documents its `$ref`s name, and compiles every reachable subschema once.
/// Work is a queue, not recursion, so long `$ref` chains and recursive schemas need no stack.
struct SchemaCompiler {
    private struct Location: Hashable {
        var document: String
        var pointer: String
        var key: String { document + "#" + pointer }
    }

    private struct Pending {
        var index: Int
        var value: SchemaJSON
        var location: Location
        var base: String
    }

    let load: @Sendable (String) -> String?
    private var documents: [String: SchemaJSON] = [:]
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
        let document: SchemaJSON
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
    private mutating func scan(_ document: SchemaJSON, document uri: String) {
        var stack: [(value: SchemaJSON, pointer: String, base: String)] = [(document, "", uri)]
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

    private static func subschemas(of object: JSONObject) -> [(String, SchemaJSON)] {
        var out: [(String, SchemaJSON)] = []
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

    private mutating func index(for location: Location, value: SchemaJSON, base: String) -> Int {
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
        func subschema(_ suffix: String, _ value: SchemaJSON, _ keyword: String) throws -> Int {
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
        func strings(_ value: SchemaJSON, _ keyword: String) throws -> [String] {
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
