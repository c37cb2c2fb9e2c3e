/// A wildcard pattern over action, role and resource names, with `:` as the segment separator, as
/// Cerbos matches them: `*` matches within a segment, `**` (and a bare `*`) across segments, `?` one
/// character, `[abc]`/`[!a-z]` a class, `{a,b}` alternatives. A pattern is a glob only if it contains `*`;
/// otherwise it matches itself exactly.
struct Glob: Sendable, Hashable, CustomStringConvertible {
    let pattern: String
    private let tokens: [Token]?
    /// `*` or `**`: matches any name (decided once, checked for every row of every check).
    let matchesEverything: Bool

    indirect enum Token: Sendable, Hashable {
        case literal(Unicode.Scalar)
        case star
        case superStar
        case any
        case charClass(negated: Bool, ranges: [ClosedRange<Unicode.Scalar>])
        case alternatives([[Token]])
    }

    /// `literalUnlessStar`: Cerbos treats a pattern as a glob only when it contains `*`.
    init(_ pattern: String, literalUnlessStar: Bool = true) {
        self.pattern = pattern
        matchesEverything = pattern == "*" || pattern == "**"
        if matchesEverything {
            tokens = [.superStar]
        } else if literalUnlessStar ? pattern.contains("*") : pattern.contains(where: { "*?[{".contains($0) }) {
            var scalars = Array(pattern.unicodeScalars)[...]
            tokens = Self.parse(&scalars, inAlternative: false)
        } else {
            tokens = nil
        }
    }

    var description: String { pattern }
    var isLiteral: Bool { tokens == nil }

    func matches(_ value: String) -> Bool {
        guard let tokens else { return value == pattern }
        if matchesEverything { return true }
        return Self.match(tokens[...], Array(value.unicodeScalars)[...])
    }

    private static func parse(_ input: inout ArraySlice<Unicode.Scalar>, inAlternative: Bool) -> [Token] {
        var tokens: [Token] = []
        while let c = input.first {
            if inAlternative && (c == "," || c == "}") { break }
            input.removeFirst()
            switch c {
            case "*":
                if input.first == "*" {
                    input.removeFirst()
                    tokens.append(.superStar)
                } else {
                    tokens.append(.star)
                }
            case "?":
                tokens.append(.any)
            case "[":
                var negated = false
                if input.first == "!" || input.first == "^" { negated = true; input.removeFirst() }
                var ranges: [ClosedRange<Unicode.Scalar>] = []
                var closed = false
                while let d = input.first {
                    input.removeFirst()
                    if d == "]" && !ranges.isEmpty { closed = true; break }
                    if input.count >= 2, input.first == "-", let upper = input.dropFirst().first, upper != "]" {
                        input.removeFirst(2)
                        ranges.append(min(d, upper)...max(d, upper))
                    } else {
                        ranges.append(d...d)
                    }
                }
                if closed { tokens.append(.charClass(negated: negated, ranges: ranges)) }
                else { tokens.append(.literal("[")); tokens += ranges.map { .literal($0.lowerBound) } }
            case "{":
                var alternatives: [[Token]] = []
                var closed = false
                while true {
                    alternatives.append(parse(&input, inAlternative: true))
                    guard let d = input.first else { break }
                    input.removeFirst()
                    if d == "}" { closed = true; break }
                }
                if closed { tokens.append(.alternatives(alternatives)) } else { tokens.append(.literal("{")) }
            case "\\":
                if let escaped = input.first { input.removeFirst(); tokens.append(.literal(escaped)) }
            default:
                tokens.append(.literal(c))
            }
        }
        return tokens
    }

    private static func match(_ pattern: ArraySlice<Token>, _ value: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let token = pattern.first else { return value.isEmpty }
        let rest = pattern.dropFirst()
        switch token {
        case .literal(let c):
            guard value.first == c else { return false }
            return match(rest, value.dropFirst())
        case .any:
            guard let c = value.first, c != ":" else { return false }
            return match(rest, value.dropFirst())
        case .charClass(let negated, let ranges):
            guard let c = value.first, c != ":" else { return false }
            guard ranges.contains(where: { $0.contains(c) }) != negated else { return false }
            return match(rest, value.dropFirst())
        case .star:
            var remaining = value
            while true {
                if match(rest, remaining) { return true }
                guard let c = remaining.first, c != ":" else { return false }
                remaining = remaining.dropFirst()
            }
        case .superStar:
            var remaining = value
            while true {
                if match(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        case .alternatives(let options):
            for option in options where match(ArraySlice(option) + rest, value) { return true }
            return false
        }
    }
}
