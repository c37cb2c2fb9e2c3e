import CEL
struct JSONSchemaError: Sendable, Hashable { var path: String; var message: String }
struct JSONSchemaLoadError: Error, Sendable, CustomStringConvertible { var message: String; var description: String { message } }
struct JSONSchema: Sendable {
    init(json: String, uri: String, load: @escaping @Sendable (String) -> String?) throws { throw JSONSchemaLoadError(message: "x") }
    func validate(_ value: CELValue) -> [JSONSchemaError] { [] }
}
