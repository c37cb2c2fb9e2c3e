/// A plugin's namespaced id: lower-case words joined by dots (`auth.local`, `storage.s3`).
public struct PluginID: Hashable, Sendable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String

    public init(stringLiteral value: String) {
        precondition(Self.isValid(value), "invalid plugin id '\(value)': use lower-case words joined by dots, e.g. auth.local")
        self.rawValue = value
    }

    public init?(_ value: String) {
        guard Self.isValid(value) else { return nil }
        self.rawValue = value
    }

    public var description: String { rawValue }

    public static func < (a: PluginID, b: PluginID) -> Bool { a.rawValue < b.rawValue }

    static func isValid(_ value: String) -> Bool {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
            return part.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        }
    }
}
