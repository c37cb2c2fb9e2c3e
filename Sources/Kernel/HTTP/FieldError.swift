/// One invalid field of a request: a JSON Pointer (RFC 6901) to it and what is wrong.
public struct FieldError: Sendable, Codable, Equatable {
    public var pointer: String
    public var detail: String

    public init(pointer: String, detail: String) {
        self.pointer = pointer
        self.detail = detail
    }

    /// The pointer for a path of keys and indexes: `["items", 0, "name"]` → `/items/0/name`.
    public static func pointer(_ path: [String]) -> String {
        path.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined()
    }
}
