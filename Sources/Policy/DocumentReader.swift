/// Decodes `DocumentNode`s strictly: unknown fields, wrong types and missing required fields become
/// problems naming the file, the line and column, and the field path. Field names are accepted in
/// lowerCamelCase or snake_case, as Cerbos accepts both.
final class DocumentReader {
    let file: String
    private(set) var problems: [PolicyProblem] = []

    init(file: String) { self.file = file }

    func position(_ node: DocumentNode, _ path: String) -> SourcePosition {
        SourcePosition(line: node.line, column: node.column, path: path)
    }

    func problem(_ node: DocumentNode, _ path: String, _ message: String, kind: PolicyProblem.Kind = .parse) {
        problems.append(PolicyProblem(kind, file: file, at: position(node, path), message))
    }

    func problem(at position: SourcePosition, _ message: String, kind: PolicyProblem.Kind = .validation) {
        problems.append(PolicyProblem(kind, file: file, at: position, message))
    }

    /// The fields of an object, by canonical (camelCase) name, after checking that every key is allowed and
    /// given once. `nil` (with a problem) when the node is not a mapping.
    func object(_ node: DocumentNode, _ path: String, allowed: Set<String>) -> Fields? {
        guard case .mapping(let entries) = node.value else {
            if node.isNull { return Fields(reader: self, path: path, node: node, values: [:]) }
            problem(node, path, "expected an object, found \(describe(node))")
            return nil
        }
        var values: [String: (DocumentNode, String)] = [:]
        var seen: [String: DocumentNode.Entry] = [:]
        for entry in entries {
            let name = Self.camelCase(entry.key)
            let keyPosition = SourcePosition(line: entry.keyLine, column: entry.keyColumn, path: "\(path).\(entry.key)")
            guard allowed.contains(name) else {
                let suggestion = Self.closest(to: name, in: allowed).map { ", did you mean \"\($0)\"?" } ?? ""
                problem(at: keyPosition, "unknown field \"\(entry.key)\"\(suggestion)", kind: .parse)
                continue
            }
            if let previous = seen[name] {
                problem(at: keyPosition, "duplicate field definition: previous definition at \(previous.keyLine):\(previous.keyColumn)", kind: .parse)
                continue
            }
            seen[name] = entry
            values[name] = (entry.value, "\(path).\(name)")
        }
        return Fields(reader: self, path: path, node: node, values: values)
    }

    /// A map with arbitrary string keys (variables, constants, attributes).
    func map(_ node: DocumentNode, _ path: String) -> [(key: String, node: DocumentNode, path: String)]? {
        if node.isNull { return [] }
        guard case .mapping(let entries) = node.value else {
            problem(node, path, "expected a map, found \(describe(node))")
            return nil
        }
        return entries.map { ($0.key, $0.value, "\(path).\($0.key)") }
    }

    func list(_ node: DocumentNode, _ path: String) -> [(node: DocumentNode, path: String)]? {
        if node.isNull { return [] }
        guard case .sequence(let items) = node.value else {
            problem(node, path, "expected a list, found \(describe(node))")
            return nil
        }
        return items.enumerated().map { ($1, "\(path)[\($0)]") }
    }

    /// A string field. Like Cerbos, unquoted numbers and booleans are taken as their text, null as "".
    func string(_ node: DocumentNode, _ path: String) -> String? {
        guard case .scalar(let s, let plain) = node.value else {
            problem(node, path, "expected a string, found \(describe(node))")
            return nil
        }
        return plain && DocumentNode.isNull(s) ? "" : s
    }

    func bool(_ node: DocumentNode, _ path: String) -> Bool? {
        if case .scalar(let s, true) = node.value {
            if let b = DocumentNode.bool(s) { return b }
            if DocumentNode.isNull(s) { return false }
        }
        problem(node, path, "expected true or false, found \(describe(node))")
        return nil
    }

    func strings(_ node: DocumentNode, _ path: String) -> [Located<String>]? {
        guard let items = list(node, path) else { return nil }
        var result: [Located<String>] = []
        for (item, itemPath) in items {
            if let s = string(item, itemPath) { result.append(Located(s, position(item, itemPath))) }
        }
        return result
    }

    func describe(_ node: DocumentNode) -> String {
        switch node.value {
        case .mapping: return "an object"
        case .sequence: return "a list"
        case .scalar(let s, let plain):
            if plain && DocumentNode.isNull(s) { return "null" }
            return "\"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        }
    }

    static func camelCase(_ key: String) -> String {
        guard key.contains("_") else { return key }
        var result = ""
        var upper = false
        for c in key {
            if c == "_" { upper = !result.isEmpty; continue }
            result.append(upper ? Character(c.uppercased()) : c)
            upper = false
        }
        return result
    }

    static func closest(to word: String, in candidates: Set<String>) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            let d = editDistance(word.lowercased(), candidate.lowercased())
            // Ties go to the first name in sorted order, so the suggestion does not depend on the set's order.
            if d <= max(2, candidate.count / 3), best.map({ (d, candidate) < ($0.1, $0.0) }) ?? true { best = (candidate, d) }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// The checked fields of one object.
struct Fields {
    let reader: DocumentReader
    let path: String
    let node: DocumentNode
    let values: [String: (DocumentNode, String)]

    var position: SourcePosition { reader.position(node, path) }

    func has(_ name: String) -> Bool {
        guard let (node, _) = values[name] else { return false }
        return !node.isNull
    }

    subscript(name: String) -> (node: DocumentNode, path: String)? {
        guard let (node, path) = values[name], !node.isNull else { return nil }
        return (node, path)
    }

    func string(_ name: String, required: Bool = false) -> Located<String>? {
        guard let (node, path) = self[name] else {
            if required { missing(name) }
            return nil
        }
        guard let s = reader.string(node, path) else { return nil }
        if required && s.isEmpty {
            reader.problem(node, path, "value is required", kind: .validation)
            return nil
        }
        return Located(s, reader.position(node, path))
    }

    /// The items of a list field; none when it is absent or not a list (a problem then).
    func list(_ name: String) -> [(node: DocumentNode, path: String)] {
        self[name].flatMap { reader.list($0.node, $0.path) } ?? []
    }

    /// The entries of a map field; none when it is absent or not a map (a problem then).
    func map(_ name: String) -> [(key: String, node: DocumentNode, path: String)] {
        self[name].flatMap { reader.map($0.node, $0.path) } ?? []
    }

    func bool(_ name: String) -> Bool {
        guard let (node, path) = self[name] else { return false }
        return reader.bool(node, path) ?? false
    }

    func strings(_ name: String, required: Bool = false) -> [Located<String>] {
        guard let (node, path) = self[name] else {
            if required { missing(name) }
            return []
        }
        let items = reader.strings(node, path) ?? []
        if required && items.isEmpty { reader.problem(node, path, "value must contain at least 1 item", kind: .validation) }
        return items
    }

    func missing(_ name: String) {
        reader.problem(at: SourcePosition(line: node.line, column: node.column, path: "\(path).\(name)"), "value is required")
    }
}

/// A value and where it was written.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var position: SourcePosition

    public init(_ value: Value, _ position: SourcePosition) {
        self.value = value
        self.position = position
    }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}
