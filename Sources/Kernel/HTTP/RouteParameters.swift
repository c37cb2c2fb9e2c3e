import Foundation

/// The `{name}` segments of the route a request matched, as `context.parameters`: a few names, read once
/// or twice each, so they are kept as positions in the path and compared in turn (Hummingbird's
/// `Parameters` hashes every name into a dictionary first, which cost a tenth of a light request).
///
/// It answers Hummingbird's ways of reading a parameter (`get`, `require`, each optionally `as:` a type,
/// `has`, a subscript), so code written for Hummingbird reads the Kernel's parameters; Hummingbird's own
/// `coreContext.parameters` stays empty.
public struct RouteParameters: Sendable {
    private let path: String
    private let captures: [(name: String, start: Int, end: Int)]

    public init() {
        path = ""
        captures = []
    }

    /// `captures` are byte offsets into `path`, in path order.
    init(path: String, captures: [(name: String, start: Int, end: Int)]) {
        self.path = path
        self.captures = captures
    }

    /// The segment captured as `name` (the first, should a template name it twice), or `nil`.
    public func get(_ name: String) -> String? {
        guard let capture = captures.first(where: { $0.name == name }) else { return nil }
        let utf8 = path.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: capture.start)
        return String(path[start..<utf8.index(start, offsetBy: capture.end - capture.start)])
    }

    public subscript(_ name: String) -> String? { self.get(name) }

    public func has(_ name: String) -> Bool { captures.contains { $0.name == name } }

    /// The segment as a `T`, or `nil` when there is none or it is not one.
    public func get<T: LosslessStringConvertible>(_ name: String, as type: T.Type) -> T? { get(name).flatMap(T.init) }
    public func get<T: RawRepresentable>(_ name: String, as type: T.Type) -> T? where T.RawValue == String { get(name).flatMap(T.init) }
    public func get(_ name: String, as type: UUID.Type) -> UUID? { get(name).flatMap { UUID(canonical: $0) } }

    /// The segment captured as `name`. The route's template not naming it is a programming error (a 500).
    public func require(_ name: String) throws -> String {
        guard let value = get(name) else { throw MissingRouteParameter(name: name) }
        return value
    }

    /// The segment as a `T`; a segment that is not one answers 404, as no resource can be at that path.
    public func require<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws -> T {
        try converted(name) { T($0) }
    }

    public func require<T: RawRepresentable>(_ name: String, as type: T.Type) throws -> T where T.RawValue == String {
        try converted(name) { T(rawValue: $0) }
    }

    public func require(_ name: String, as type: UUID.Type) throws -> UUID {
        try converted(name) { UUID(canonical: $0) }
    }

    private func converted<T>(_ name: String, _ convert: (String) -> T?) throws -> T {
        let text = try require(name)
        guard let value = convert(text) else { throw Problem.notFound("'\(text)' is not a valid \(name); no resource exists at this path.") }
        return value
    }

    /// Every parameter, in path order.
    var all: [(name: String, value: String)] { captures.map { ($0.name, get($0.name) ?? "") } }
}

/// A handler asked for a parameter its route's template does not have.
struct MissingRouteParameter: Error, CustomStringConvertible {
    let name: String
    var description: String { "the route has no parameter named \(name)" }
}
