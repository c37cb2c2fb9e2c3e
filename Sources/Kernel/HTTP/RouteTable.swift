import Hummingbird
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a route template may be: `/`-separated constants and `{name}` parameters. `Kernel.boot` refuses
/// any other template (`checkConflicts`), naming the plugin and the route.
enum RouteTemplate {
    /// The parameter's name when `segment` is one (`{name}`), else `nil`.
    static func parameter(in segment: Substring) -> Substring? {
        segment.first == "{" && segment.last == "}" && segment.count > 2 ? segment.dropFirst().dropLast() : nil
    }

    /// Why `template` is not one, or `nil`.
    static func problem(in template: String) -> String? {
        for segment in template.split(separator: "/", omittingEmptySubsequences: true) {
            if segment.first == ":" { return "'\(segment)': write a parameter as {\(segment.dropFirst())}" }
            if segment.contains("*") { return "'\(segment)': wildcard segments are not supported" }
            guard segment.contains("{") || segment.contains("}") else { continue }
            guard let name = parameter(in: segment), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                return "'\(segment)': a parameter is a whole segment, {name} with letters, digits and _"
            }
        }
        return nil
    }

    /// `template` with every parameter written `{}`: two templates of one shape match the same paths.
    static func shape(of template: String) -> String {
        "/" + template.split(separator: "/", omittingEmptySubsequences: true).map { parameter(in: $0) == nil ? String($0) : "{}" }.joined(separator: "/")
    }
}

/// Finds the route for a request path. Templates are `/`-separated segments, each either a constant
/// compared byte for byte or a `{name}` capture that takes any one segment. Empty segments are ignored, as
/// Hummingbird's router does (`/a//b/` is `/a/b`). A constant segment is preferred over a capture at the
/// same place; when the rest of the path then finds no route, the capture is tried.
///
/// Written for the Kernel rather than taken from Hummingbird's `RouterTrie`, which the server used until
/// it was measured: that trie tries each sibling in turn with a Unicode string comparison, about 6 µs for a
/// five-segment path, which was a tenth of a license read's server time. Here each node keeps its
/// constants with their lengths, so almost every mismatch is one integer comparison.
struct RouteTable<Value: Sendable>: Sendable {
    private struct Constant: Sendable {
        let bytes: [UInt8]
        let node: Int
    }

    private struct Capture: Sendable {
        let name: String
        let node: Int
    }

    private struct Node: Sendable {
        var constants: [Constant] = []
        var captures: [Capture] = []
        var value: Value?
    }

    private var nodes = [Node()]

    /// The value stored for `template`, creating it with `make` the first time.
    mutating func update(_ template: String, make: () -> Value, _ change: (inout Value) -> Void) {
        precondition(RouteTemplate.problem(in: template) == nil, "route \(template): checked when the Kernel boots")
        var index = 0
        for segment in template.split(separator: "/", omittingEmptySubsequences: true) {
            index = child(of: index, for: segment)
        }
        var value = nodes[index].value ?? make()
        change(&value)
        nodes[index].value = value
    }

    /// Every stored value.
    var values: [Value] { nodes.compactMap(\.value) }

    /// Changes every stored value.
    mutating func updateAll(_ change: (inout Value) -> Void) {
        for index in nodes.indices where nodes[index].value != nil {
            change(&nodes[index].value!)
        }
    }

    private mutating func child(of index: Int, for segment: Substring) -> Int {
        if let name = RouteTemplate.parameter(in: segment) {
            if let existing = nodes[index].captures.first(where: { $0.name == name }) { return existing.node }
            nodes.append(Node())
            nodes[index].captures.append(Capture(name: String(name), node: nodes.count - 1))
            return nodes.count - 1
        }
        let bytes = Array(segment.utf8)
        if let existing = nodes[index].constants.first(where: { $0.bytes == bytes }) { return existing.node }
        nodes.append(Node())
        nodes[index].constants.append(Constant(bytes: bytes, node: nodes.count - 1))
        return nodes.count - 1
    }

    /// The value whose template matches `path`, with the captured segments (slices of `path`).
    func resolve(_ path: String) -> (value: Value, parameters: RouteParameters)? {
        var captures: [(name: String, start: Int, end: Int)] = []
        var contiguous = path
        guard let found = contiguous.withUTF8({ match($0, from: 0, node: 0, captures: &captures) }), let value = nodes[found].value else { return nil }
        captures.reverse()  // recorded on the way back: last segment first
        return (value, RouteParameters(path: contiguous, captures: captures))
    }

    /// The node at which the path from `offset` on ends, from `node`; captures are added on the way back,
    /// so only the successful branch records any.
    private func match(_ bytes: UnsafeBufferPointer<UInt8>, from offset: Int, node: Int,
                       captures: inout [(name: String, start: Int, end: Int)]) -> Int? {
        var start = offset
        while start < bytes.count, bytes[start] == UInt8(ascii: "/") { start += 1 }
        if start == bytes.count { return nodes[node].value == nil ? nil : node }
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
        let length = end - start
        for constant in nodes[node].constants where constant.bytes.count == length {
            let equal = constant.bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, bytes.baseAddress! + start, length) == 0 }
            if equal, let found = match(bytes, from: end, node: constant.node, captures: &captures) { return found }
        }
        for capture in nodes[node].captures {
            if let found = match(bytes, from: end, node: capture.node, captures: &captures) {
                captures.append((capture.name, start, end))
                return found
            }
        }
        return nil
    }
}
