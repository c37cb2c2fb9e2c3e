import CEL

/// One schema object, keywords parsed and subschemas replaced by their index in the compiled node list.
struct SchemaNode: Sendable {
    /// Set for `true` / `false` schemas, which have no keywords.
    var always: Bool?
    var ref: Int?
    var types: [String]?
    var const: CELValue?
    var enumValues: [CELValue]?
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
    var properties: [(name: String, schema: Int)] = [] {
        didSet { declaredProperties = Set(properties.map(\.name)) }
    }
    /// The names in `properties`, for `additionalProperties` to look up.
    private(set) var declaredProperties: Set<String> = []
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
