import CEL

/// Reads a schema document and the documents its `$ref`s name, and compiles every reachable subschema once.
/// Work is a queue, not recursion, so long `$ref` chains and recursive schemas need no stack.
struct SchemaCompiler {
    /// A place in a schema document; its text (`cerbos:///a.json#/$defs/x`) names it in messages.
    private struct Location: Hashable, CustomStringConvertible {
        var document: String
        var pointer: String
        var description: String { document + "#" + pointer }
        func appending(_ suffix: String) -> Location { Location(document: document, pointer: pointer + suffix) }
    }

    private struct Pending {
        var index: Int
        var value: CELValue
        var location: Location
        var base: String
    }

    let load: @Sendable (String) -> String?
    private var documents: [String: CELValue] = [:]
    /// Schema resources (documents and `$id`s) by absolute URI.
    private var resources: [String: Location] = [:]
    /// `$anchor`s by "resource URI#name".
    private var anchors: [String: Location] = [:]
    /// The base URI in effect inside each schema location found by `scan`.
    private var bases: [Location: String] = [:]
    private var nodes: [SchemaNode] = []
    private var indexByLocation: [Location: Int] = [:]
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
        let document: CELValue
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
    private mutating func scan(_ document: CELValue, document uri: String) {
        var stack: [(value: CELValue, location: Location, base: String)] = [(document, Location(document: uri, pointer: ""), uri)]
        while let item = stack.popLast() {
            guard case .map(let object) = item.value else { continue }
            let location = item.location
            let base = Self.base(of: object, within: item.base)
            if case .string(let id)? = object[string: "$id"], id.hasPrefix("#") {
                anchors[base + id] = location  // draft-07 spelling of an anchor
            } else if resources[base] == nil {
                resources[base] = location
            }
            for keyword in ["$anchor", "$dynamicAnchor"] {
                if case .string(let name)? = object[string: keyword], anchors[base + "#" + name] == nil { anchors[base + "#" + name] = location }
            }
            bases[location] = base
            for (suffix, child) in Self.subschemas(of: object) { stack.append((child, location.appending(suffix), base)) }
        }
    }

    /// The base URI inside `object`: its `$id` resolved against the enclosing `base`, unless that `$id` is a
    /// draft-07 anchor (`#name`).
    private static func base(of object: CELMap, within base: String) -> String {
        guard case .string(let id)? = object[string: "$id"], !id.hasPrefix("#") else { return base }
        return SchemaURI.split(SchemaURI.resolve(id, against: base)).resource
    }

    private static func subschemas(of object: CELMap) -> [(String, CELValue)] {
        var out: [(String, CELValue)] = []
        for keyword in singleSchemaKeywords {
            if let value = object[string: keyword], value.isSchema { out.append(("/" + keyword, value)) }
        }
        for keyword in schemaArrayKeywords {
            if case .list(let items)? = object[string: keyword] {
                for (i, item) in items.enumerated() where item.isSchema { out.append(("/\(keyword)/\(i)", item)) }
            }
        }
        for keyword in schemaMapKeywords {
            if case .map(let map)? = object[string: keyword] {
                for (key, value) in map.jsonMembers where value.isSchema {
                    out.append(("/" + JSONPointer.escape(keyword) + "/" + JSONPointer.escape(key), value))
                }
            }
        }
        return out
    }

    private mutating func resolveReference(_ reference: String, base: String, from location: Location) throws -> Int {
        let (resource, fragment) = SchemaURI.split(SchemaURI.resolve(reference, against: base))
        if resources[resource] == nil {
            guard let text = load(resource) else {
                throw JSONSchemaLoadError(message: "cannot load schema \(resource), referenced by \"\(reference)\" at \(location)")
            }
            try addDocument(text, uri: resource)
        }
        return try target(resource: resource, fragment: fragment, reference: reference, from: location)
    }

    /// The node for `fragment` (a JSON pointer or an anchor name) inside a known resource.
    private mutating func target(resource: String, fragment: String, reference: String, from: Location?) throws -> Int {
        let referrer = from.map { " at \($0)" } ?? ""
        guard let root = resources[resource] else {
            throw JSONSchemaLoadError(message: "cannot load schema \(resource), referenced by \"\(reference)\"\(referrer)")
        }
        let location: Location
        if fragment.isEmpty {
            location = root
        } else if fragment.hasPrefix("/") {
            location = root.appending(JSONPointer.canonical(fragment))
        } else if let anchor = anchors[resource + "#" + fragment] {
            location = anchor
        } else {
            throw JSONSchemaLoadError(message: "$ref \"\(reference)\"\(referrer): no anchor \"\(fragment)\" in \(resource)")
        }
        guard let document = documents[location.document], let value = JSONPointer.resolve(location.pointer, in: document) else {
            throw JSONSchemaLoadError(message: "$ref \"\(reference)\"\(referrer): nothing at \(location)")
        }
        guard value.isSchema else {
            throw JSONSchemaLoadError(message: "$ref \"\(reference)\"\(referrer): \(location) is not a schema")
        }
        return index(for: location, value: value, base: resource)
    }

    private mutating func index(for location: Location, value: CELValue, base: String) -> Int {
        if let existing = indexByLocation[location] { return existing }
        let index = nodes.count
        nodes.append(SchemaNode())
        indexByLocation[location] = index
        pending.append(Pending(index: index, value: value, location: location, base: base))
        return index
    }

    // MARK: Keywords

    /// One schema object being compiled: its keywords, where it is, and the base URI its references resolve
    /// against. Reads the keywords whose values must have a given shape.
    private struct SchemaObject {
        let keywords: CELMap
        let location: Location
        let base: String

        subscript(keyword: String) -> CELValue? { keywords[string: keyword] }

        func invalid(_ keyword: String, _ requirement: String) -> JSONSchemaLoadError {
            JSONSchemaLoadError(message: "invalid schema at \(location): \(keyword) must be \(requirement)")
        }

        func count(_ keyword: String) throws -> Int? {
            guard let value = self[keyword] else { return nil }
            guard let n = JSONNumber(value), n.isInteger, n.double >= 0 else { throw invalid(keyword, "a non-negative integer") }
            return n.int.map { Int(clamping: $0) } ?? Int.max
        }

        func number(_ keyword: String) throws -> JSONNumber? {
            guard let value = self[keyword] else { return nil }
            guard let n = JSONNumber(value), !n.double.isNaN else { throw invalid(keyword, "a number") }
            return n
        }

        /// `exclusiveMinimum` / `exclusiveMaximum`: a number, or (draft-04) a boolean that makes the `inclusive`
        /// bound beside it exclusive.
        func exclusiveBound(_ keyword: String, inclusive: inout JSONNumber?) throws -> JSONNumber? {
            guard case .bool(let exclusive)? = self[keyword] else { return try number(keyword) }
            guard exclusive else { return nil }
            defer { inclusive = nil }
            return inclusive
        }

        func string(_ keyword: String) throws -> String? {
            guard let value = self[keyword] else { return nil }
            guard case .string(let s) = value else { throw invalid(keyword, "a string") }
            return s
        }

        func strings(_ value: CELValue, _ keyword: String) throws -> [String] {
            guard case .list(let items) = value else { throw invalid(keyword, "an array of strings") }
            return try items.map {
                guard case .string(let s) = $0 else { throw invalid(keyword, "an array of strings") }
                return s
            }
        }

        func regex(_ pattern: String, _ keyword: String) throws -> ECMARegex {
            guard let regex = ECMARegex(pattern) else { throw invalid(keyword, "a valid regular expression, not '\(pattern)'") }
            return regex
        }
    }

    private mutating func compileNode(_ item: Pending) throws -> SchemaNode {
        let keywords: CELMap
        switch item.value {
        case .bool(let always): return SchemaNode(always: always)
        case .map(let map): keywords = map
        default: throw JSONSchemaLoadError(message: "invalid schema at \(item.location): a schema must be an object or a boolean")
        }
        let object = SchemaObject(keywords: keywords, location: item.location, base: bases[item.location] ?? Self.base(of: keywords, within: item.base))
        var node = SchemaNode()
        if case .string(let reference)? = object["$ref"] ?? object["$dynamicRef"] {
            node.ref = try resolveReference(reference, base: object.base, from: object.location)
        } else if object["$ref"] != nil {
            throw object.invalid("$ref", "a string")
        }
        try Self.readAssertions(object, into: &node)
        try readApplicators(object, into: &node)
        return node
    }

    /// The keywords that test the value itself, without subschemas.
    private static func readAssertions(_ object: SchemaObject, into node: inout SchemaNode) throws {
        if let type = object["type"] {
            let names: [String]
            if case .string(let name) = type { names = [name] } else { names = try object.strings(type, "type") }
            guard !names.isEmpty, names.allSatisfy(typeNames.contains) else {
                throw object.invalid("type", "one of \(typeNames.sorted().joined(separator: ", ")) or an array of them")
            }
            node.types = names
        }
        node.const = object["const"]
        if let values = object["enum"] {
            guard case .list(let items) = values else { throw object.invalid("enum", "an array") }
            node.enumValues = items
        }

        node.minimum = try object.number("minimum")
        node.maximum = try object.number("maximum")
        node.exclusiveMinimum = try object.exclusiveBound("exclusiveMinimum", inclusive: &node.minimum)
        node.exclusiveMaximum = try object.exclusiveBound("exclusiveMaximum", inclusive: &node.maximum)
        node.multipleOf = try object.number("multipleOf")
        if let m = node.multipleOf, !(m.double > 0) || m.double.isInfinite { throw object.invalid("multipleOf", "a number greater than 0") }

        node.minLength = try object.count("minLength")
        node.maxLength = try object.count("maxLength")
        node.pattern = try object.string("pattern").map { try object.regex($0, "pattern") }
        node.format = try object.string("format")

        node.minItems = try object.count("minItems")
        node.maxItems = try object.count("maxItems")
        if let value = object["uniqueItems"] {
            guard case .bool(let unique) = value else { throw object.invalid("uniqueItems", "a boolean") }
            node.uniqueItems = unique
        }
        node.minContains = try object.count("minContains") ?? 1
        node.maxContains = try object.count("maxContains")

        node.minProperties = try object.count("minProperties")
        node.maxProperties = try object.count("maxProperties")
        if let value = object["required"] { node.required = try object.strings(value, "required") }
        if let value = object["dependentRequired"] {
            guard case .map(let map) = value else { throw object.invalid("dependentRequired", "an object whose values are arrays of strings") }
            for (name, required) in map.jsonMembers { node.dependentRequired.append((name, try object.strings(required, "dependentRequired"))) }
        }
    }

    /// The keywords that apply subschemas, each compiled to a node of its own.
    private mutating func readApplicators(_ object: SchemaObject, into node: inout SchemaNode) throws {
        if case .list = object["items"] {
            // Draft-07 tuple form: items is the prefix, additionalItems the rest.
            node.prefixItems = try subschemaList("items", in: object)
            node.items = try subschema("additionalItems", in: object)
        } else {
            node.prefixItems = try subschemaList("prefixItems", in: object)
            node.items = try subschema("items", in: object)
        }
        node.contains = try subschema("contains", in: object)

        node.properties = try subschemaMap("properties", in: object)
        for (name, schema) in try subschemaMap("patternProperties", in: object) {
            node.patternProperties.append((try object.regex(name, "patternProperties"), schema))
        }
        node.additionalProperties = try subschema("additionalProperties", in: object)
        node.propertyNamesSchema = try subschema("propertyNames", in: object)
        node.dependentSchemas = try subschemaMap("dependentSchemas", in: object)
        if case .map(let map)? = object["dependencies"] {
            // Draft-07 spelling of both: an array is dependentRequired, a schema dependentSchemas.
            for (name, value) in map.jsonMembers {
                if case .list = value {
                    node.dependentRequired.append((name, try object.strings(value, "dependencies")))
                } else {
                    node.dependentSchemas.append((name, try subschema(value, at: "/dependencies/" + JSONPointer.escape(name), in: object, keyword: "dependencies")))
                }
            }
        }

        node.allOf = try subschemaList("allOf", in: object)
        node.anyOf = try subschemaList("anyOf", in: object)
        node.oneOf = try subschemaList("oneOf", in: object)
        node.not = try subschema("not", in: object)
        node.ifSchema = try subschema("if", in: object)
        if node.ifSchema != nil {
            node.thenSchema = try subschema("then", in: object)
            node.elseSchema = try subschema("else", in: object)
        }
        node.unevaluatedProperties = try subschema("unevaluatedProperties", in: object)
        node.unevaluatedItems = try subschema("unevaluatedItems", in: object)
    }

    /// The node for `value`, found at `suffix` below `object`.
    private mutating func subschema(_ value: CELValue, at suffix: String, in object: SchemaObject, keyword: String) throws -> Int {
        guard value.isSchema else { throw object.invalid(keyword, "a schema (an object or a boolean)") }
        return index(for: object.location.appending(suffix), value: value, base: object.base)
    }

    private mutating func subschema(_ keyword: String, in object: SchemaObject) throws -> Int? {
        guard let value = object[keyword] else { return nil }
        return try subschema(value, at: "/" + keyword, in: object, keyword: keyword)
    }

    private mutating func subschemaList(_ keyword: String, in object: SchemaObject) throws -> [Int] {
        guard let value = object[keyword] else { return [] }
        guard case .list(let items) = value, !items.isEmpty else { throw object.invalid(keyword, "a non-empty array of schemas") }
        return try items.enumerated().map { try subschema($0.element, at: "/\(keyword)/\($0.offset)", in: object, keyword: keyword) }
    }

    private mutating func subschemaMap(_ keyword: String, in object: SchemaObject) throws -> [(name: String, schema: Int)] {
        guard let value = object[keyword] else { return [] }
        guard case .map(let map) = value else { throw object.invalid(keyword, "an object whose values are schemas") }
        return try map.jsonMembers.map { (name, value) in
            (name, try subschema(value, at: "/\(keyword)/" + JSONPointer.escape(name), in: object, keyword: keyword))
        }
    }

    /// A cycle of subschemas applied to the same value (`{"$ref": "#"}`) would never finish validating.
    private func checkForEndlessLoops() throws {
        enum Mark { case unvisited, active, done }
        var marks = [Mark](repeating: .unvisited, count: nodes.count)
        for start in nodes.indices where marks[start] == .unvisited {
            var stack: [(node: Int, edges: [Int], next: Int)] = [(start, nodes[start].inPlace, 0)]
            marks[start] = .active
            while let top = stack.last {
                guard top.next < top.edges.count else {
                    marks[top.node] = .done
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let child = top.edges[top.next]
                switch marks[child] {
                case .active:
                    let location = indexByLocation.first { $0.value == child }.map { "\($0.key)" } ?? "a subschema"
                    throw JSONSchemaLoadError(message: "invalid schema: \(location) refers to itself without descending into the value (an endless $ref loop)")
                case .unvisited:
                    marks[child] = .active
                    stack.append((child, nodes[child].inPlace, 0))
                case .done:
                    break
                }
            }
        }
    }
}
