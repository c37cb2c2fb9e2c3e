import CEL

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
        var evaluator = SchemaEvaluator(nodes: nodes)
        evaluator.evaluate(root, value, at: SchemaSite(path: "", depth: 0))
        return evaluator.errors
    }
}
