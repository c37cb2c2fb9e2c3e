import CEL

/// What a subschema looked at, for `unevaluatedProperties` / `unevaluatedItems`.
struct Evaluated {
    var properties: Set<String> = []
    var items: Set<Int> = []
    var allItems = false

    mutating func merge(_ other: Evaluated) {
        properties.formUnion(other.properties)
        items.formUnion(other.items)
        allItems = allItems || other.allItems
    }
}

/// Where the evaluation is: the JSON pointer of the value in the whole value, and how many subschemas deep.
struct SchemaSite {
    var path: String
    var depth: Int

    /// The same value, one subschema deeper.
    var deeper: SchemaSite { SchemaSite(path: path, depth: depth + 1) }

    /// A property of the value, one subschema deeper.
    func member(_ name: String) -> SchemaSite { SchemaSite(path: path + "/" + JSONPointer.escape(name), depth: depth + 1) }

    /// An item of the value, one subschema deeper.
    func member(_ index: Int) -> SchemaSite { SchemaSite(path: path + "/\(index)", depth: depth + 1) }
}

/// Applies compiled schema nodes to a value, collecting the errors.
struct SchemaEvaluator {
    let nodes: [SchemaNode]
    /// The errors of the subschemas applied so far. Those of subschemas only tested (`anyOf`, `not`, `if`, …)
    /// are taken back out.
    private(set) var errors: [JSONSchemaError] = []
    static let maxDepth = 400

    init(nodes: [SchemaNode]) {
        self.nodes = nodes
    }

    /// Applies node `index` to `value`; returns what it evaluated.
    @discardableResult
    mutating func evaluate(_ index: Int, _ value: CELValue, at site: SchemaSite) -> Evaluated {
        guard site.depth < Self.maxDepth else {
            fail("schema nested more than \(Self.maxDepth) levels deep at this value", at: site)
            return Evaluated()
        }
        let node = nodes[index]
        if let always = node.always {
            if !always { fail("not allowed", at: site) }
            return Evaluated()
        }
        if let types = node.types, !types.contains(where: value.hasJSONType) {
            fail("expected \(types.joined(separator: " or ")), but got \(value.jsonTypeName)", at: site)
            return Evaluated()
        }
        if let constant = node.const, CELValue.equal(constant, value) != true {
            fail("value must be \(PolicyJSON.text(constant))", at: site)
        }
        if let values = node.enumValues, !values.contains(where: { CELValue.equal($0, value) == true }) {
            let listed = values.map(PolicyJSON.text)
            fail(listed.count == 1 ? "value must be \(listed[0])" : "value must be one of \(listed.joined(separator: ", "))", at: site)
        }

        var evaluated = Evaluated()
        switch value {
        case .string(let s): checkString(s, node, at: site)
        case .list(let items): evaluated = evaluateArray(items, node, at: site)
        case .map(let object): evaluated = evaluateObject(object, value, node, at: site)
        default: if let number = JSONNumber(value) { checkNumber(number, node, at: site) }
        }
        evaluated.merge(applyInPlace(node, value, at: site))
        applyUnevaluated(node, value, at: site, evaluated: &evaluated)
        return evaluated
    }

    // MARK: Assertions and applicators by type

    private mutating func checkNumber(_ n: JSONNumber, _ node: SchemaNode, at site: SchemaSite) {
        // A NaN compares as nil, and fails every bound.
        if let m = node.minimum, JSONNumber.compare(n, m).map({ $0 < 0 }) ?? true { fail("must be >= \(m) but found \(n)", at: site) }
        if let m = node.exclusiveMinimum, JSONNumber.compare(n, m).map({ $0 <= 0 }) ?? true { fail("must be > \(m) but found \(n)", at: site) }
        if let m = node.maximum, JSONNumber.compare(n, m).map({ $0 > 0 }) ?? true { fail("must be <= \(m) but found \(n)", at: site) }
        if let m = node.exclusiveMaximum, JSONNumber.compare(n, m).map({ $0 >= 0 }) ?? true { fail("must be < \(m) but found \(n)", at: site) }
        if let m = node.multipleOf, !n.isMultiple(of: m) { fail("\(n) not multipleOf \(m)", at: site) }
    }

    private mutating func checkString(_ s: String, _ node: SchemaNode, at site: SchemaSite) {
        if node.minLength != nil || node.maxLength != nil {
            let length = s.unicodeScalars.count
            if let m = node.minLength, length < m { fail("length must be >= \(m), but got \(length)", at: site) }
            if let m = node.maxLength, length > m { fail("length must be <= \(m), but got \(length)", at: site) }
        }
        if let pattern = node.pattern, !pattern.matches(s) { fail("does not match pattern \(quote(pattern.source))", at: site) }
        if let format = node.format, !SchemaFormat.isValid(s, format: format) { fail("\(quote(s)) is not valid \(quote(format))", at: site) }
    }

    private mutating func evaluateArray(_ items: [CELValue], _ node: SchemaNode, at site: SchemaSite) -> Evaluated {
        var evaluated = Evaluated()
        if let m = node.minItems, items.count < m { fail("minimum \(m) items required, but found \(items.count) items", at: site) }
        if let m = node.maxItems, items.count > m { fail("maximum \(m) items required, but found \(items.count) items", at: site) }
        if node.uniqueItems, let (i, j) = Self.firstDuplicate(items) { fail("items at index \(i) and \(j) are equal", at: site) }
        for (i, schema) in node.prefixItems.enumerated() where i < items.count {
            apply(schema, items[i], at: site.member(i))
            evaluated.items.insert(i)
        }
        if let schema = node.items, items.count > node.prefixItems.count {
            let rest = node.prefixItems.count..<items.count
            applyToEach(schema, rest.map { (site.member($0), items[$0]) }, at: site,
                        refusal: "only \(node.prefixItems.count) items are allowed, but found \(items.count) items")
            evaluated.allItems = true
        }
        if let schema = node.contains {
            let matching = items.indices.filter { passes(schema, items[$0], at: site.member($0)) != nil }
            evaluated.items.formUnion(matching)
            if matching.count < node.minContains {
                fail(node.minContains == 1 ? "no items match contains schema"
                    : "min \(node.minContains) items required to match contains schema, but matched \(matching.count) items", at: site)
            }
            if let m = node.maxContains, matching.count > m {
                fail("max \(m) items required to match contains schema, but matched \(matching.count) items", at: site)
            }
        }
        return evaluated
    }

    private mutating func evaluateObject(_ object: CELMap, _ value: CELValue, _ node: SchemaNode, at site: SchemaSite) -> Evaluated {
        var evaluated = Evaluated()
        let members = object.jsonMembers
        if let m = node.minProperties, members.count < m { fail("minimum \(m) properties required, but found \(members.count) properties", at: site) }
        if let m = node.maxProperties, members.count > m { fail("maximum \(m) properties allowed, but found \(members.count) properties", at: site) }
        let missing = node.required.filter { object[string: $0] == nil }
        if !missing.isEmpty { fail("missing properties: " + missing.map(quote).joined(separator: ", "), at: site) }
        for (name, schema) in node.properties {
            guard let property = object[string: name] else { continue }
            evaluated.properties.insert(name)
            apply(schema, property, at: site.member(name))
        }
        if let schema = node.propertyNamesSchema {
            for (name, _) in members { apply(schema, .string(name), at: site.member(name)) }
        }
        for (pattern, schema) in node.patternProperties {
            for (name, property) in members where pattern.matches(name) {
                evaluated.properties.insert(name)
                apply(schema, property, at: site.member(name))
            }
        }
        if let schema = node.additionalProperties {
            let extra = members.filter { member in
                !node.declaredProperties.contains(member.name) && !node.patternProperties.contains { $0.pattern.matches(member.name) }
            }
            applyToEach(schema, extra.map { (site.member($0.name), $0.value) }, at: site,
                        refusal: "additionalProperties \(extra.map { quote($0.name) }.joined(separator: ", ")) not allowed")
            evaluated.properties.formUnion(extra.map(\.name))
        }
        for (name, required) in node.dependentRequired where object[string: name] != nil {
            for property in required where object[string: property] == nil {
                fail("property \(quote(property)) is required, if \(quote(name)) property exists", at: site)
            }
        }
        for (name, schema) in node.dependentSchemas where object[string: name] != nil {
            if let result = apply(schema, value, at: site.deeper) { evaluated.merge(result) }
        }
        return evaluated
    }

    /// `$ref`, the combinators and the conditional: subschemas applied to the value itself.
    private mutating func applyInPlace(_ node: SchemaNode, _ value: CELValue, at site: SchemaSite) -> Evaluated {
        var evaluated = Evaluated()
        if let schema = node.ref, let result = apply(schema, value, at: site.deeper) { evaluated.merge(result) }
        for schema in node.allOf {
            if let result = apply(schema, value, at: site.deeper) { evaluated.merge(result) }
        }
        if !node.anyOf.isEmpty {
            // Every branch runs: the ones that pass all contribute evaluated properties.
            let passing = node.anyOf.compactMap { passes($0, value, at: site.deeper) }
            if passing.isEmpty { fail("anyOf failed", at: site) }
            for result in passing { evaluated.merge(result) }
        }
        if !node.oneOf.isEmpty {
            var matches: [(index: Int, evaluated: Evaluated)] = []
            for (i, schema) in node.oneOf.enumerated() where matches.count < 2 {
                if let result = passes(schema, value, at: site.deeper) { matches.append((i, result)) }
            }
            switch matches.count {
            case 0: fail("oneOf failed", at: site)
            case 1: evaluated.merge(matches[0].evaluated)
            default: fail("valid against schemas at indexes \(matches[0].index) and \(matches[1].index)", at: site)
            }
        }
        if let schema = node.not, passes(schema, value, at: site.deeper) != nil { fail("not failed", at: site) }
        if let condition = node.ifSchema {
            let branch: Int?
            if let result = passes(condition, value, at: site.deeper) {
                evaluated.merge(result)
                branch = node.thenSchema
            } else {
                branch = node.elseSchema
            }
            if let branch, let result = apply(branch, value, at: site.deeper) { evaluated.merge(result) }
        }
        return evaluated
    }

    /// `unevaluatedProperties` / `unevaluatedItems`, applied to what nothing else evaluated.
    private mutating func applyUnevaluated(_ node: SchemaNode, _ value: CELValue, at site: SchemaSite, evaluated: inout Evaluated) {
        switch value {
        case .map(let object):
            guard let schema = node.unevaluatedProperties else { return }
            let extra = object.jsonMembers.filter { !evaluated.properties.contains($0.name) }
            applyToEach(schema, extra.map { (site.member($0.name), $0.value) }, at: site,
                        refusal: "unevaluatedProperties \(extra.map { quote($0.name) }.joined(separator: ", ")) not allowed")
            evaluated.properties.formUnion(extra.map(\.name))
        case .list(let items):
            guard let schema = node.unevaluatedItems, !evaluated.allItems else { return }
            let extra = items.indices.filter { !evaluated.items.contains($0) }
            applyToEach(schema, extra.map { (site.member($0), items[$0]) }, at: site,
                        refusal: "unevaluatedItems at index \(extra.map(String.init).joined(separator: ", ")) not allowed")
            evaluated.allItems = true
        default:
            return
        }
    }

    // MARK: Applying subschemas

    /// Applies a subschema; its errors are the caller's. Returns what it evaluated, if it passed.
    @discardableResult
    private mutating func apply(_ schema: Int, _ value: CELValue, at site: SchemaSite) -> Evaluated? {
        let before = errors.count
        let evaluated = evaluate(schema, value, at: site)
        return errors.count == before ? evaluated : nil
    }

    /// Tests a subschema without reporting its errors. Returns what it evaluated, if it passed.
    private mutating func passes(_ schema: Int, _ value: CELValue, at site: SchemaSite) -> Evaluated? {
        let before = errors.count
        defer { errors.removeSubrange(before...) }
        return apply(schema, value, at: site)
    }

    /// Applies `schema` to each member; a `false` schema fails once, with `refusal`, rather than once per member.
    private mutating func applyToEach(_ schema: Int, _ members: [(site: SchemaSite, value: CELValue)], at site: SchemaSite,
                                      refusal: @autoclosure () -> String) {
        guard !members.isEmpty else { return }
        if nodes[schema].always == false {
            fail(refusal(), at: site)
        } else {
            for member in members { apply(schema, member.value, at: member.site) }
        }
    }

    private mutating func fail(_ message: String, at site: SchemaSite) {
        errors.append(JSONSchemaError(path: site.path, message: message))
    }

    /// The first pair of JSON-equal items, found by hashing rather than by comparing every pair.
    private static func firstDuplicate(_ items: [CELValue]) -> (Int, Int)? {
        var seen: [JSONEqualityKey: Int] = [:]
        for (j, item) in items.enumerated() {
            let key = JSONEqualityKey(value: item)
            if let i = seen[key] { return (i, j) }
            seen[key] = j
        }
        return nil
    }
}

/// A string in single quotes, as santhosh-tekuri/jsonschema quotes names and values in its messages.
private func quote(_ s: String) -> String { PolicyJSON.quoted(s, quote: "'") }
