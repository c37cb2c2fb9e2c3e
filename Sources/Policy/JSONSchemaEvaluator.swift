import Foundation

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

struct SchemaEvaluator {
    let nodes: [SchemaNode]
    static let maxDepth = 400

    func evaluate(_ index: Int, _ value: SchemaJSON, path: String, depth: Int, errors: inout [JSONSchemaError]) -> Evaluated {
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
        func apply(_ schema: Int, _ item: SchemaJSON, at location: String, errors: inout [JSONSchemaError]) -> Evaluated? {
            let before = errors.count
            let result = evaluate(schema, item, path: location, depth: depth + 1, errors: &errors)
            return errors.count == before ? result : nil
        }
        /// Tests a subschema without reporting its errors.
        func passes(_ schema: Int, _ item: SchemaJSON, at location: String) -> Evaluated? {
            var scratch: [JSONSchemaError] = []
            return apply(schema, item, at: location, errors: &scratch)
        }

        if let types = node.types, !types.contains(where: value.hasType) {
            fail("expected \(types.joined(separator: " or ")), but got \(value.typeName)")
            return evaluated
        }
        if let constant = node.const, !SchemaJSON.equal(constant, value) {
            fail("value must be \(constant.rendered)")
        }
        if let values = node.enumValues, !values.contains(where: { SchemaJSON.equal($0, value) }) {
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
    private static func firstDuplicate(_ items: [SchemaJSON]) -> (Int, Int)? {
        var seen: [[UInt8]: Int] = [:]
        for (j, item) in items.enumerated() {
            guard let canonical = item.canonical else { continue }
            if let i = seen.updateValue(j, forKey: Array(canonical.utf8)) { return (i, j) }
        }
        return nil
    }
}

/// A string in single quotes, as santhosh-tekuri/jsonschema quotes names and values in its messages.
private func quote(_ s: String) -> String { PolicyJSON.quoted(s, quote: "'") }
