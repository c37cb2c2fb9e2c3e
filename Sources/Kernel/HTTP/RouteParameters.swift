/// The `{name}` segments of the route a request matched, as `context.parameters`: a few names, read once
/// or twice each, so they are kept as positions in the path and compared in turn (Hummingbird's
/// `Parameters` hashes every name into a dictionary first).
public struct RouteParameters: Sendable {
    private var path: String
    private var captures: [(name: String, start: Int, end: Int)]

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

    /// Every parameter, in path order.
    var all: [(name: String, value: String)] { captures.map { ($0.name, get($0.name) ?? "") } }
}
