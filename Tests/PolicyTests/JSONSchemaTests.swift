import CEL
import Synchronization
import Testing

@testable import Policy

/// An object with its keys in the order written, so error order is predictable.
private func object(_ pairs: KeyValuePairs<String, CELValue>) -> CELValue {
    .map(CELMap(pairs.map { (CELMapKey.string($0.key), $0.value) }))
}

/// Compiles a schema found at `cerbos:///test.json`, with `documents` (name → text) as the `_schemas/` folder.
private func compile(_ json: String, uri: String = "cerbos:///test.json", documents: [String: String] = [:]) throws -> JSONSchema {
    try JSONSchema(json: json, uri: uri) { uri in
        guard uri.hasPrefix("cerbos:///") else { return nil }
        return documents[String(uri.dropFirst("cerbos:///".count))]
    }
}

/// The errors validating `value` reports, or an issue if the schema does not load.
private func errors(_ schema: String, _ value: CELValue, documents: [String: String] = [:],
                    sourceLocation: SourceLocation = #_sourceLocation) -> [JSONSchemaError] {
    do {
        return try compile(schema, documents: documents).validate(value)
    } catch {
        Issue.record("schema does not load: \(error)", sourceLocation: sourceLocation)
        return [JSONSchemaError(path: "", message: "schema does not load")]
    }
}

/// The URIs a schema's `load` closure was asked for.
private final class LoadRecorder: Sendable {
    let uris = Mutex<[String]>([])
    var requested: [String] { uris.withLock { $0 } }
    func record(_ uri: String) { uris.withLock { $0.append(uri) } }
}

private func error(_ path: String, _ message: String) -> JSONSchemaError { JSONSchemaError(path: path, message: message) }

/// The load error a schema raises, or an issue if it loads.
private func loadError(_ json: String, documents: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) -> String {
    do {
        _ = try compile(json, documents: documents)
        Issue.record("expected the schema not to load", sourceLocation: sourceLocation)
        return ""
    } catch {
        return "\(error)"
    }
}

/// (format, value, whether the value is valid)
private let formatCases: [(String, String, Bool)] = [
    ("date-time", "2024-02-29T23:59:60.5+05:30", true), ("date-time", "2023-02-29T12:00:00Z", false),
    ("date-time", "2024-01-01 12:00:00Z", false), ("date-time", "2024-01-01T12:00:00", false),
    ("date", "2024-12-31", true), ("date", "2024-13-01", false), ("date", "24-01-01", false),
    ("time", "08:30:00Z", true), ("time", "25:00:00Z", false),
    ("email", "alice@example.com", true), ("email", "alice.o'neil+tag@mail.example.co.uk", true),
    ("email", "alice@[192.168.0.1]", true), ("email", "alice", false), ("email", "@example.com", false),
    ("email", "alice@exa mple.com", false), ("email", "a..b@example.com", false),
    ("ipv4", "192.168.0.1", true), ("ipv4", "256.1.1.1", false), ("ipv4", "01.2.3.4", false), ("ipv4", "1.2.3", false),
    ("ipv6", "::1", true), ("ipv6", "2001:db8::8a2e:370:7334", true), ("ipv6", "::ffff:1.2.3.4", true),
    ("ipv6", "1.2.3.4", false), ("ipv6", "2001:db8:::1", false), ("ipv6", "fe80::1%eth0", false),
    ("uuid", "123e4567-e89b-12d3-a456-426614174000", true), ("uuid", "123e4567e89b12d3a456426614174000", false),
    ("uri", "https://example.com/a?b=c#d", true), ("uri", "urn:isbn:0451450523", true),
    ("uri", "/relative/path", false), ("uri", "https://exa mple.com", false), ("uri", "http://x/%zz", false),
    ("hostname", "api.example.com", true), ("hostname", "-bad.example.com", false),
    ("no-such-format", "anything", true),
]

@Suite("JSON Schema validation")
struct JSONSchemaTests {
    // MARK: Type-agnostic keywords

    @Test func booleanSchemasAcceptEverythingOrNothing() {
        #expect(errors("true", object(["a": 1])) == [])
        #expect(errors("false", "x") == [error("", "not allowed")])
        #expect(errors(##"{"properties": {"secret": false}}"##, object(["secret": 1])) == [error("/secret", "not allowed")])
    }

    @Test func typeAcceptsJSONNumbersOfAnyCELRepresentation() {
        #expect(errors(##"{"type": "number"}"##, .double(2.5)) == [])
        #expect(errors(##"{"type": "number"}"##, .int(2)) == [])
        #expect(errors(##"{"type": "number"}"##, .uint(2)) == [])
        #expect(errors(##"{"type": "integer"}"##, .double(3.0)) == [])
        #expect(errors(##"{"type": "integer"}"##, .double(3.5)) == [error("", "expected integer, but got number")])
        #expect(errors(##"{"type": "string"}"##, .double(1)) == [error("", "expected string, but got number")])
        #expect(errors(##"{"type": ["string", "null"]}"##, .null) == [])
        #expect(errors(##"{"type": ["string", "null"]}"##, true) == [error("", "expected string or null, but got boolean")])
        #expect(errors(##"{"type": "object"}"##, [1, 2]) == [error("", "expected object, but got array")])
        #expect(errors(##"{"type": "array"}"##, object([:])) == [error("", "expected array, but got object")])
        #expect(errors(##"{"type": "string"}"##, .bytes([1])) == [error("", "expected string, but got bytes")])
    }

    @Test func typeMismatchReportsOnlyTheTypeError() {
        #expect(errors(##"{"type": "string", "minLength": 3, "enum": ["abc"]}"##, .double(1)) == [error("", "expected string, but got number")])
    }

    @Test func enumComparesAsJSON() {
        let schema = ##"{"enum": ["a", "b"]}"##
        #expect(errors(schema, "a") == [])
        #expect(errors(schema, "c") == [error("", #"value must be one of "a", "b""#)])
        #expect(errors(##"{"enum": [1, null]}"##, .double(1.0)) == [])
        #expect(errors(##"{"enum": [1, null]}"##, .null) == [])
        #expect(errors(##"{"enum": [{"a": 1, "b": [true]}]}"##, object(["b": [true], "a": .double(1)])) == [])
        #expect(errors(##"{"enum": [{"a": 1}]}"##, object(["a": 2])) == [error("", #"value must be {"a":1}"#)])
        #expect(errors(##"{"enum": [false]}"##, .int(0)) == [error("", "value must be false")])
    }

    @Test func constTreatsOneAndOnePointZeroAsEqual() {
        #expect(errors(##"{"const": 1}"##, .double(1.0)) == [])
        #expect(errors(##"{"const": 1.0}"##, .int(1)) == [])
        #expect(errors(##"{"const": 1}"##, .double(1.5)) == [error("", "value must be 1")])
        #expect(errors(##"{"const": "admin"}"##, "user") == [error("", #"value must be "admin""#)])
        #expect(errors(##"{"const": [1, "x"]}"##, [.double(1), "x"]) == [])
    }

    // MARK: Numbers

    @Test func numericBounds() {
        #expect(errors(##"{"minimum": 5}"##, .double(5)) == [])
        #expect(errors(##"{"minimum": 5}"##, .double(2)) == [error("", "must be >= 5 but found 2")])
        #expect(errors(##"{"exclusiveMinimum": 5}"##, .int(5)) == [error("", "must be > 5 but found 5")])
        #expect(errors(##"{"maximum": 10.5}"##, .double(10.75)) == [error("", "must be <= 10.5 but found 10.75")])
        #expect(errors(##"{"exclusiveMaximum": 10}"##, .double(10)) == [error("", "must be < 10 but found 10")])
        #expect(errors(##"{"exclusiveMaximum": 10}"##, .double(9.99)) == [])
        #expect(errors(##"{"minimum": 0}"##, "not a number") == [])
    }

    @Test func multipleOfIsExactForDecimals() {
        #expect(errors(##"{"multipleOf": 0.01}"##, .double(19.99)) == [])
        #expect(errors(##"{"multipleOf": 0.0001}"##, .double(0.0075)) == [])
        #expect(errors(##"{"multipleOf": 0.1}"##, .int(10)) == [])
        #expect(errors(##"{"multipleOf": 2}"##, .double(7)) == [error("", "7 not multipleOf 2")])
        #expect(errors(##"{"multipleOf": 0.01}"##, .double(0.015)) == [error("", "0.015 not multipleOf 0.01")])
        #expect(loadError(##"{"multipleOf": 0}"##).contains("multipleOf must be a number greater than 0"))
        #expect(loadError(##"{"multipleOf": -1}"##).contains("multipleOf must be a number greater than 0"))
    }

    // MARK: Strings

    @Test func lengthCountsCodePoints() {
        #expect(errors(##"{"minLength": 2}"##, "😀😀") == [])
        #expect(errors(##"{"minLength": 3}"##, "😀😀") == [error("", "length must be >= 3, but got 2")])
        #expect(errors(##"{"maxLength": 1}"##, "e\u{301}") == [error("", "length must be <= 1, but got 2")])
        #expect(errors(##"{"minLength": 3}"##, "a") == [error("", "length must be >= 3, but got 1")])
    }

    @Test func patternSearchesWithECMASemantics() {
        #expect(errors(##"{"pattern": "b"}"##, "abc") == [])
        #expect(errors(##"{"pattern": "^[a-z]+$"}"##, "abc") == [])
        #expect(errors(##"{"pattern": "^[a-z]+$"}"##, "abc\n") == [error("", #"does not match pattern '^[a-z]+$'"#)])
        #expect(errors(##"{"pattern": "^\\d+$"}"##, "123") == [])
        #expect(errors(##"{"pattern": "^\\d+$"}"##, "١٢٣").count == 1)  // \d is ASCII-only in ECMA-262
        #expect(errors(##"{"pattern": "^[\\w-]{2,4}$"}"##, "a-_b") == [])
        #expect(errors(##"{"pattern": "^{literal}$"}"##, "{literal}") == [])
        #expect(loadError(##"{"pattern": "(unclosed"}"##).contains("pattern must be a valid regular expression"))
    }

    @Test(arguments: formatCases)
    func formatsAreChecked(format: String, value: String, valid: Bool) {
        let found = errors(##"{"format": "\##(format)"}"##, .string(value))
        if valid {
            #expect(found == [])
        } else {
            #expect(found == [error("", "'\(value)' is not valid '\(format)'")])
        }
    }

    @Test func formatIgnoresNonStrings() {
        #expect(errors(##"{"format": "email"}"##, .double(3)) == [])
    }

    // MARK: Arrays

    @Test func itemsAndPrefixItems() {
        let schema = ##"{"prefixItems": [{"type": "string"}, {"type": "number"}], "items": {"type": "boolean"}}"##
        #expect(errors(schema, ["a", .double(1), true, false]) == [])
        #expect(errors(schema, ["a"]) == [])
        #expect(errors(schema, [.double(1), "b", "c"]) == [
            error("/0", "expected string, but got number"),
            error("/1", "expected number, but got string"),
            error("/2", "expected boolean, but got string"),
        ])
        #expect(errors(##"{"prefixItems": [{}], "items": false}"##, [1, 2, 3]) == [error("", "only 1 items are allowed, but found 3 items")])
        #expect(errors(##"{"items": {"type": "string"}}"##, ["a", 2]) == [error("/1", "expected string, but got number")])
    }

    @Test func draft07TupleItemsAndAdditionalItems() {
        let schema = ##"{"items": [{"type": "string"}], "additionalItems": {"type": "number"}}"##
        #expect(errors(schema, ["a", 1, .double(2)]) == [])
        #expect(errors(schema, ["a", "b"]) == [error("/1", "expected number, but got string")])
    }

    @Test func itemCountsAndUniqueness() {
        #expect(errors(##"{"minItems": 2}"##, [1]) == [error("", "minimum 2 items required, but found 1 items")])
        #expect(errors(##"{"maxItems": 1}"##, [1, 2]) == [error("", "maximum 1 items required, but found 2 items")])
        #expect(errors(##"{"uniqueItems": true}"##, [1, 2, "1"]) == [])
        #expect(errors(##"{"uniqueItems": true}"##, [.int(1), 2, .double(1.0)]) == [error("", "items at index 0 and 2 are equal")])
        #expect(errors(##"{"uniqueItems": true}"##, [object(["a": 1, "b": 2]), object(["b": 2, "a": 1])]) == [error("", "items at index 0 and 1 are equal")])
        #expect(errors(##"{"uniqueItems": true}"##, ["\u{E9}", "e\u{301}"]) == [])  // code points differ
        #expect(errors(##"{"uniqueItems": false}"##, [1, 1]) == [])
    }

    @Test func containsCountsMatchingItems() {
        let contains = ##"{"contains": {"type": "string"}}"##
        #expect(errors(contains, [1, "a"]) == [])
        #expect(errors(contains, [1, 2]) == [error("", "no items match contains schema")])
        #expect(errors(contains, []) == [error("", "no items match contains schema")])
        let bounded = ##"{"contains": {"const": 1}, "minContains": 2, "maxContains": 3}"##
        #expect(errors(bounded, [1, 1, 2]) == [])
        #expect(errors(bounded, [1, 2]) == [error("", "min 2 items required to match contains schema, but matched 1 items")])
        #expect(errors(bounded, [1, 1, 1, 1]) == [error("", "max 3 items required to match contains schema, but matched 4 items")])
        #expect(errors(##"{"contains": {"const": 1}, "minContains": 0}"##, []) == [])
    }

    // MARK: Objects

    @Test func requiredListsEveryMissingProperty() {
        let schema = ##"{"required": ["department", "region", "id"]}"##
        #expect(errors(schema, object(["id": "1"])) == [error("", "missing properties: 'department', 'region'")])
        #expect(errors(schema, "not an object") == [])
    }

    @Test func propertiesReportErrorsAtTheirPath() {
        let schema = #"""
        {"type": "object", "properties": {
            "department": {"type": "string", "enum": ["marketing", "engineering"]},
            "address": {"type": "object", "properties": {"city": {"type": "string", "minLength": 2}}},
            "tags": {"type": "array", "items": {"type": "string"}},
            "a/b~c": {"type": "number"}
        }}
        """#
        let value = object([
            "department": "sales", "address": object(["city": "X"]), "tags": ["ok", .double(3)], "a/b~c": "nan",
        ])
        #expect(errors(schema, value) == [
            error("/department", #"value must be one of "marketing", "engineering""#),
            error("/address/city", "length must be >= 2, but got 1"),
            error("/tags/1", "expected string, but got number"),
            error("/a~1b~0c", "expected number, but got string"),
        ])
    }

    @Test func additionalAndPatternProperties() {
        let closed = ##"{"properties": {"id": {}}, "patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false}"##
        #expect(errors(closed, object(["id": 1, "x-trace": "t"])) == [])
        #expect(errors(closed, object(["id": 1, "x-trace": 2, "owner": "a", "extra": 1])) == [
            error("/x-trace", "expected string, but got number"),
            error("", "additionalProperties 'owner', 'extra' not allowed"),
        ])
        let typed = ##"{"properties": {"id": {}}, "additionalProperties": {"type": "boolean"}}"##
        #expect(errors(typed, object(["id": "x", "flag": true, "other": "no"])) == [error("/other", "expected boolean, but got string")])
    }

    @Test func propertyNamesAndPropertyCounts() {
        #expect(errors(##"{"propertyNames": {"pattern": "^[a-z]+$"}}"##, object(["ok": 1, "Bad": 2])) == [
            error("/Bad", "does not match pattern '^[a-z]+$'"),
        ])
        #expect(errors(##"{"minProperties": 2}"##, object(["a": 1])) == [error("", "minimum 2 properties required, but found 1 properties")])
        #expect(errors(##"{"maxProperties": 1}"##, object(["a": 1, "b": 2])) == [error("", "maximum 1 properties allowed, but found 2 properties")])
    }

    @Test func dependentRequiredAndDependentSchemas() {
        let schema = #"""
        {"dependentRequired": {"card": ["billing_address"]},
         "dependentSchemas": {"manager": {"required": ["team"]}}}
        """#
        #expect(errors(schema, object(["name": "a"])) == [])
        #expect(errors(schema, object(["card": "1", "manager": true])) == [
            error("", "property 'billing_address' is required, if 'card' property exists"),
            error("", "missing properties: 'team'"),
        ])
        let draft07 = ##"{"dependencies": {"card": ["billing_address"], "manager": {"required": ["team"]}}}"##
        #expect(errors(draft07, object(["card": "1", "manager": true])).count == 2)
    }

    @Test func unevaluatedPropertiesSeesPropertiesFromSubschemas() {
        let schema = #"""
        {"allOf": [{"properties": {"id": {"type": "string"}}}],
         "if": {"properties": {"kind": {"const": "user"}}}, "then": {"properties": {"email": {}}},
         "unevaluatedProperties": false}
        """#
        #expect(errors(schema, object(["id": "1", "kind": "user", "email": "a@b.c"])) == [])
        #expect(errors(schema, object(["id": "1", "kind": "group", "email": "a@b.c"])) == [
            error("", "unevaluatedProperties 'kind', 'email' not allowed"),
        ])
        #expect(errors(##"{"prefixItems": [{}], "unevaluatedItems": {"type": "string"}}"##, [1, "a", 2]) == [
            error("/2", "expected string, but got number"),
        ])
    }

    // MARK: Combinators

    @Test func allOfReportsEachFailingLeaf() {
        let schema = ##"{"allOf": [{"required": ["a"]}, {"properties": {"b": {"type": "string"}}}]}"##
        #expect(errors(schema, object(["a": 1, "b": "x"])) == [])
        #expect(errors(schema, object(["b": 1])) == [error("", "missing properties: 'a'"), error("/b", "expected string, but got number")])
    }

    @Test func anyOfAndOneOfReportOneErrorAtTheirLocation() {
        let anyOf = ##"{"properties": {"id": {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]}}}"##
        #expect(errors(anyOf, object(["id": .double(3)])) == [])
        #expect(errors(anyOf, object(["id": .double(-3)])) == [error("/id", "anyOf failed")])
        let oneOf = ##"{"oneOf": [{"type": "number"}, {"minimum": 5}]}"##
        #expect(errors(oneOf, .double(1)) == [])
        #expect(errors(oneOf, "s") == [])  // only the second applies to a string, and passes
        #expect(errors(oneOf, .double(7)) == [error("", "valid against schemas at indexes 0 and 1")])
        #expect(errors(##"{"oneOf": [{"type": "string"}, {"type": "null"}]}"##, .double(7)) == [error("", "oneOf failed")])
    }

    @Test func notAndConditionals() {
        #expect(errors(##"{"not": {"type": "string"}}"##, .double(1)) == [])
        #expect(errors(##"{"not": {"type": "string"}}"##, "s") == [error("", "not failed")])
        let schema = #"""
        {"if": {"properties": {"country": {"const": "US"}}, "required": ["country"]},
         "then": {"required": ["zip"]}, "else": {"required": ["postcode"]}}
        """#
        #expect(errors(schema, object(["country": "US", "zip": "1"])) == [])
        #expect(errors(schema, object(["country": "US"])) == [error("", "missing properties: 'zip'")])
        #expect(errors(schema, object(["country": "NL"])) == [error("", "missing properties: 'postcode'")])
        #expect(errors(##"{"then": {"required": ["x"]}}"##, object([:])) == [])  // then without if is ignored
    }

    // MARK: References

    @Test func localReferences() {
        let schema = #"""
        {"$defs": {"name": {"type": "string", "minLength": 1}, "a/b c": {"const": 1}, "nick": {"$anchor": "nick", "maxLength": 3}},
         "definitions": {"age": {"type": "integer"}},
         "properties": {"name": {"$ref": "#/$defs/name"}, "age": {"$ref": "#/definitions/age"},
                        "nick": {"$ref": "#nick"}, "weird": {"$ref": "#/$defs/a~1b%20c"}}}
        """#
        #expect(errors(schema, object(["name": "n", "age": 3, "nick": "bob", "weird": 1])) == [])
        #expect(errors(schema, object(["name": "", "age": .double(1.5), "nick": "robert", "weird": 2])) == [
            error("/name", "length must be >= 1, but got 0"),
            error("/age", "expected integer, but got number"),
            error("/nick", "length must be <= 3, but got 6"),
            error("/weird", "value must be 1"),
        ])
    }

    @Test func refAppliesAlongsideSiblingKeywords() {
        let schema = ##"{"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s", "maxLength": 2}"##
        #expect(errors(schema, "abc") == [error("", "length must be <= 2, but got 3")])
        #expect(errors(schema, .double(1)) == [error("", "expected string, but got number")])
    }

    @Test func referencesToOtherDocumentsAreLoadedAndResolvedAgainstTheCurrentDocument() throws {
        let recorder = LoadRecorder()
        let documents = [
            "principal.json": ##"{"properties": {"department": {"$ref": "common/defs.json#/$defs/department"}, "owner": {"$ref": "cerbos:///person.json"}}}"##,
            "common/defs.json": ##"{"$defs": {"department": {"$ref": "../enums.json#/$defs/departments"}}}"##,
            "enums.json": ##"{"$defs": {"departments": {"enum": ["marketing", "engineering"]}}}"##,
            "person.json": ##"{"type": "object", "required": ["id"]}"##,
        ]
        let schema = try JSONSchema(json: documents["principal.json"] ?? "", uri: "cerbos:///principal.json") { uri in
            recorder.record(uri)
            return documents[String(uri.dropFirst("cerbos:///".count))]
        }
        #expect(Set(recorder.requested) == ["cerbos:///common/defs.json", "cerbos:///enums.json", "cerbos:///person.json"])
        #expect(schema.validate(object(["department": "engineering", "owner": object(["id": "u1"])])) == [])
        #expect(schema.validate(object(["department": "sales", "owner": object([:])])) == [
            error("/department", #"value must be one of "marketing", "engineering""#),
            error("/owner", "missing properties: 'id'"),
        ])
    }

    @Test func rootURIFragmentSelectsASubschema() throws {
        let schema = try compile(##"{"$defs": {"user": {"required": ["id"]}}}"##, uri: "cerbos:///defs.json#/$defs/user")
        #expect(schema.validate(object([:])) == [error("", "missing properties: 'id'")])
    }

    @Test func embeddedIdChangesTheBaseForRelativeReferences() {
        let schema = #"""
        {"properties": {"x": {"$id": "cerbos:///nested/inner.json", "$defs": {"n": {"type": "number"}}, "$ref": "#/$defs/n"},
                        "y": {"$ref": "nested/inner.json#/$defs/n"}}}
        """#
        #expect(errors(schema, object(["x": 1, "y": 2])) == [])
        #expect(errors(schema, object(["x": "a", "y": "b"])) == [
            error("/x", "expected number, but got string"),
            error("/y", "expected number, but got string"),
        ])
    }

    @Test func missingReferencesFailAtLoadTime() {
        #expect(loadError(##"{"$ref": "missing.json"}"##).contains("cannot load schema cerbos:///missing.json"))
        #expect(loadError(##"{"properties": {"a": {"$ref": "#/$defs/nope"}}}"##).contains("nothing at cerbos:///test.json#/$defs/nope"))
        #expect(loadError(##"{"$ref": "#nowhere"}"##).contains("no anchor \"nowhere\""))
        #expect(loadError(##"{"$ref": "other.json#/$defs/x"}"##, documents: ["other.json": ##"{"$defs": {}}"##]).contains("nothing at cerbos:///other.json#/$defs/x"))
        #expect(loadError(##"{"$ref": "other.json"}"##, documents: ["other.json": "{not json"]).contains("cerbos:///other.json is not valid JSON"))
    }

    @Test func malformedSchemasFailAtLoadTime() {
        #expect(loadError(##"{"type": "strin"}"##).contains("type must be one of"))
        #expect(loadError(##"{"minLength": -1}"##).contains("minLength must be a non-negative integer"))
        #expect(loadError(##"{"required": "id"}"##).contains("required must be an array of strings"))
        #expect(loadError(##"{"properties": {"a": 3}}"##).contains("properties must be a schema"))
        #expect(loadError(##"{"type": "object",}"##).contains("is not valid JSON: expected a property name in double quotes at line 1, column 19"))
        #expect(loadError("{\n  \"a\": tru\n}").contains("line 2, column 8"))
        #expect(loadError(String(repeating: "[", count: 5000)).contains("nested more than"))
        #expect(loadError("").contains("unexpected end of input"))
    }

    @Test func recursiveSchemasValidateToAnyDepth() {
        let tree = #"""
        {"$defs": {"node": {"type": "object", "required": ["name"],
                            "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
         "$ref": "#/$defs/node"}
        """#
        let valid = object(["name": "root", "children": [object(["name": "a", "children": [object(["name": "b"])]])]])
        #expect(errors(tree, valid) == [])
        let invalid = object(["name": "root", "children": [object(["name": "a", "children": [object(["name": "b"]), object(["name": 1])]])]])
        #expect(errors(tree, invalid) == [error("/children/0/children/1/name", "expected string, but got number")])

        var deep: CELValue = object(["name": "leaf"])
        for _ in 0..<60 { deep = object(["name": "n", "children": [deep]]) }
        #expect(errors(tree, deep) == [])
    }

    @Test func documentsThatReferToEachOtherLoadOnce() throws {
        let documents = [
            "a.json": ##"{"properties": {"b": {"$ref": "b.json"}, "n": {"type": "number"}}}"##,
            "b.json": ##"{"properties": {"a": {"$ref": "a.json"}}}"##,
        ]
        let recorder = LoadRecorder()
        let schema = try JSONSchema(json: documents["a.json"] ?? "", uri: "cerbos:///a.json") { uri in
            recorder.record(uri)
            return documents[String(uri.dropFirst("cerbos:///".count))]
        }
        #expect(recorder.requested == ["cerbos:///b.json"])
        #expect(schema.validate(object(["b": object(["a": object(["n": "x"])])])) == [error("/b/a/n", "expected number, but got string")])
    }

    @Test func endlessReferenceLoopsAreLoadErrors() {
        #expect(loadError(##"{"$ref": "#"}"##).contains("endless $ref loop"))
        #expect(loadError(##"{"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"anyOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##)
            .contains("endless $ref loop"))
    }

    @Test func pathologicalValuesDoNotCrash() {
        var deep: CELValue = "leaf"
        for _ in 0..<1000 { deep = [deep] }
        let nested = ##"{"$defs": {"list": {"type": ["array", "string"], "items": {"$ref": "#/$defs/list"}}}, "$ref": "#/$defs/list"}"##
        #expect(!errors(nested, deep).isEmpty)
        #expect(errors(##"{"minimum": 1}"##, .double(.nan)) == [error("", "must be >= 1 but found NaN")])
        #expect(errors(##"{"multipleOf": 3}"##, .double(.infinity)) == [error("", "Infinity not multipleOf 3")])
        #expect(errors(##"{"multipleOf": 1}"##, .int(Int64.min)) == [])
        #expect(errors(##"{"multipleOf": 1e-300}"##, .double(1e300)) == [])
        #expect(errors(##"{"maxLength": 1e30}"##, "abc") == [])
    }

    @Test func cerbosStyleAttributesValidate() {
        let documents = [
            "common.json": ##"{"$defs": {"tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}}}"##,
        ]
        let schema = #"""
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
         "properties": {"department": {"type": "string", "enum": ["marketing", "engineering"]},
                        "geography": {"type": "string"}, "team": {"type": "string"},
                        "managed_geographies": {"type": "string"}, "tags": {"$ref": "cerbos:///common.json#/$defs/tags"},
                        "level": {"type": "integer", "minimum": 1, "maximum": 10}},
         "required": ["department", "geography", "team"]}
        """#
        let good = object(["department": "marketing", "geography": "GB", "team": "design", "tags": ["a", "b"], "level": .double(3)])
        #expect(errors(schema, good, documents: documents) == [])
        let bad = object(["geography": .double(1), "team": "design", "tags": ["a", "a"], "level": .double(11)])
        #expect(errors(schema, bad, documents: documents) == [
            error("", "missing properties: 'department'"),
            error("/geography", "expected string, but got number"),
            error("/tags", "items at index 0 and 1 are equal"),
            error("/level", "must be <= 10 but found 11"),
        ])
    }
}
