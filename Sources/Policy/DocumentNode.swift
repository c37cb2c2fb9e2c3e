import CEL
import Yams

/// A YAML or JSON value with the line and column it starts at: what policy, test-suite and fixture files
/// are read into before being decoded strictly.
struct DocumentNode: Sendable {
    enum Value: Sendable {
        /// `plain` is true for unquoted scalars, which YAML types (numbers, booleans, null).
        case scalar(String, plain: Bool)
        case mapping([Entry])
        case sequence([DocumentNode])
    }

    struct Entry: Sendable {
        var key: String
        var keyLine: Int
        var keyColumn: Int
        var value: DocumentNode
    }

    var value: Value
    var line: Int
    var column: Int

    /// Every document of a YAML stream (JSON is YAML); documents that are empty or only comments are dropped.
    static func documents(_ text: String) throws(DocumentSyntaxError) -> [DocumentNode] {
        var result: [DocumentNode] = []
        do {
            let parser = try Parser(yaml: text)
            while let node = try parser.nextRoot() {
                let converted = try convert(node)
                if case .scalar(let s, true) = converted.value, s.isEmpty || isNull(s) { continue }
                result.append(converted)
            }
        } catch let error as DocumentSyntaxError {
            throw error
        } catch let error as YamlError {
            throw DocumentSyntaxError(error)
        } catch {
            throw DocumentSyntaxError(message: "\(error)", line: 1, column: 1)
        }
        return result
    }

    private static func convert(_ node: Node) throws -> DocumentNode {
        let line = node.mark?.line ?? 0
        let column = node.mark?.column ?? 0
        switch node {
        case .scalar(let scalar):
            let plain = scalar.style == .plain || scalar.style == .any
            return DocumentNode(value: .scalar(scalar.string, plain: plain && scalar.tag.rawValue.isEmpty), line: line, column: column)
        case .sequence(let sequence):
            return DocumentNode(value: .sequence(try sequence.map(convert)), line: line, column: column)
        case .mapping(let mapping):
            var entries: [Entry] = []
            var merged: [Entry] = []
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw DocumentSyntaxError(message: "mapping keys must be strings", line: key.mark?.line ?? line, column: key.mark?.column ?? column)
                }
                let converted = try convert(value)
                if keyScalar.string == "<<" && keyScalar.style == .plain {
                    // Merge key: entries of the referenced mapping(s) that the mapping does not set itself.
                    switch converted.value {
                    case .mapping(let more): merged.append(contentsOf: more)
                    case .sequence(let items):
                        for item in items {
                            guard case .mapping(let more) = item.value else {
                                throw DocumentSyntaxError(message: "a merge key (<<) needs a mapping", line: item.line, column: item.column)
                            }
                            merged.append(contentsOf: more)
                        }
                    default:
                        throw DocumentSyntaxError(message: "a merge key (<<) needs a mapping", line: converted.line, column: converted.column)
                    }
                    continue
                }
                entries.append(Entry(key: keyScalar.string, keyLine: key.mark?.line ?? line, keyColumn: key.mark?.column ?? column, value: converted))
            }
            for entry in merged where !entries.contains(where: { $0.key == entry.key }) { entries.append(entry) }
            return DocumentNode(value: .mapping(entries), line: line, column: column)
        case .alias:
            throw DocumentSyntaxError(message: "unresolved alias", line: line, column: column)
        }
    }

    static func isNull(_ s: String) -> Bool { s == "null" || s == "Null" || s == "NULL" || s == "~" || s.isEmpty }

    var isNull: Bool {
        if case .scalar(let s, true) = value { return Self.isNull(s) }
        return false
    }

    /// The value as CEL sees attributes and constants: JSON semantics, every number a double.
    var celValue: CELValue {
        switch value {
        case .scalar(let s, let plain):
            guard plain else { return .string(s) }
            if Self.isNull(s) { return .null }
            if let b = Self.bool(s) { return .bool(b) }
            if let d = Self.number(s) { return .double(d) }
            return .string(s)
        case .sequence(let items):
            return .list(items.map(\.celValue))
        case .mapping(let entries):
            var map = CELMap()
            for entry in entries { map[.string(entry.key)] = entry.value.celValue }
            return .map(map)
        }
    }

    /// YAML 1.2 core-schema booleans.
    static func bool(_ s: String) -> Bool? {
        switch s {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// YAML 1.2 core-schema numbers (decimal, 0o octal, 0x hex, floats, .inf, .nan).
    static func number(_ s: String) -> Double? {
        switch s {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        if s.hasPrefix("0x"), let v = UInt64(s.dropFirst(2), radix: 16) { return Double(v) }
        if s.hasPrefix("0o"), let v = UInt64(s.dropFirst(2), radix: 8) { return Double(v) }
        guard let first = s.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
            || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return nil }
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
                UInt8(ascii: "+"), UInt8(ascii: "-"): continue
            default: return nil
            }
        }
        return Double(s)
    }
}

/// Text that is not YAML or JSON.
struct DocumentSyntaxError: Error, Sendable {
    var message: String
    var line: Int
    var column: Int

    init(message: String, line: Int, column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }

    init(_ error: YamlError) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            self.init(message: "invalid YAML: \(prefix)\(problem)", line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            self.init(message: "duplicate field \(duplicates.map { "\"\($0)\"" }.joined(separator: ", "))", line: context.mark.line, column: context.mark.column)
        case .reader(let problem, _, _, _):
            self.init(message: "invalid text: \(problem)", line: 1, column: 1)
        default:
            self.init(message: "invalid YAML: \(error)", line: 1, column: 1)
        }
    }
}
