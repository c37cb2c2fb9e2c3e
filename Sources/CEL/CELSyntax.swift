/// A parsed CEL expression. Macros (`has`, `all`, `exists`, `exists_one`, `map`, `filter`, the
/// two-variable forms, `transform*`, `cel.bind`) are expanded by the parser into dedicated nodes.
public indirect enum CELExpr: Sendable {
    case literal(CELValue, at: Int)
    case ident(String, at: Int)
    case select(CELExpr, field: String, at: Int)
    /// `has(e.f)`.
    case presence(CELExpr, field: String, at: Int)
    /// A function call; operators are calls too (`_+_`, `_&&_`, `_?_:_`, `_[_]`, `@in`).
    case call(function: String, target: CELExpr?, args: [CELExpr], at: Int)
    case list([CELExpr], at: Int)
    case map([CELMapEntry], at: Int)
    case comprehension(CELComprehension, at: Int)
    /// `cel.bind(name, value, body)`.
    case bind(name: String, value: CELExpr, body: CELExpr, at: Int)

    public var position: Int {
        switch self {
        case .literal(_, let at), .ident(_, let at), .select(_, _, let at), .presence(_, _, let at), .call(_, _, _, let at),
             .list(_, let at), .map(_, let at), .comprehension(_, let at), .bind(_, _, _, let at):
            return at
        }
    }
}

public struct CELMapEntry: Sendable {
    public var key: CELExpr
    public var value: CELExpr
}

/// A macro's loop over a list (elements, or index and element) or a map (keys, or key and value).
public struct CELComprehension: Sendable {
    public enum Kind: String, Sendable {
        case all, exists, existsOne, map, filter, transformList, transformMap, transformMapEntry
    }
    public var kind: Kind
    public var range: CELExpr
    public var variable: String
    /// The second variable of two-variable forms (index or key first, then element or value).
    public var secondVariable: String?
    public var predicate: CELExpr?
    public var transform: CELExpr?
}

/// A syntax error with its place in the source.
public struct CELParseError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    /// Offset in Unicode scalars from the start of the expression.
    public var offset: Int
    public var line: Int
    public var column: Int

    public var description: String { "\(line):\(column): \(message)" }
}
