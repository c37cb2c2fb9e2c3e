/// The text of one configuration token: literal pieces and `${VAR}` references, expanded on demand.
///
/// Expansion is deferred until a value is read, so a disabled plugin's block may name variables that
/// are unset without failing the whole file.
public struct ConfigText: Sendable {
    /// A piece of a token.
    public enum Segment: Sendable {
        case literal(String)
        case variable(VariableReference)
    }

    /// `${NAME}`, `${NAME:-default}`, `${NAME-default}` or `${NAME:?message}`.
    public struct VariableReference: Sendable {
        public enum Fallback: Sendable {
            /// `:-` — used when the variable is unset or empty.
            case whenUnsetOrEmpty(ConfigText)
            /// `-` — used only when the variable is unset.
            case whenUnset(ConfigText)
            /// `:?` — the variable is required; the message says why.
            case required(String)
        }
        public var name: String
        public var fallback: Fallback?
        public var position: SourcePosition
        public var length: Int
    }

    public var segments: [Segment]

    public init(segments: [Segment]) { self.segments = segments }
    public init(literal: String) { self.segments = [.literal(literal)] }

    /// True when no `${…}` appears.
    public var isLiteral: Bool {
        segments.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// The literal text, ignoring references (for names, which may not be interpolated).
    public var literalText: String {
        segments.map { if case .literal(let s) = $0 { s } else { "" } }.joined()
    }

    /// Names of every variable referenced, defaults included.
    public var variableNames: [String] {
        segments.flatMap { segment -> [String] in
            guard case .variable(let ref) = segment else { return [] }
            switch ref.fallback {
            case .whenUnsetOrEmpty(let inner), .whenUnset(let inner): return [ref.name] + inner.variableNames
            default: return [ref.name]
            }
        }
    }

    /// The value with every reference substituted, and where it came from.
    public func expand(in environment: [String: String]) -> Result<ExpandedText, Diagnostic> {
        var value = ""
        var fromEnvironment: [String] = []
        var defaulted: [String] = []
        for segment in segments {
            switch segment {
            case .literal(let text):
                value += text
            case .variable(let ref):
                let current = environment[ref.name]
                switch ref.fallback {
                case nil:
                    guard let current else {
                        return .failure(Diagnostic(
                            "environment variable \(ref.name) is not set",
                            at: ref.position, length: ref.length,
                            help: "set \(ref.name), or give a default with ${\(ref.name):-value}"))
                    }
                    value += current
                    fromEnvironment.append(ref.name)
                case .required(let message):
                    guard let current, !current.isEmpty else {
                        let why = message.isEmpty ? "environment variable \(ref.name) must be set" : "\(ref.name): \(message)"
                        return .failure(Diagnostic(why, at: ref.position, length: ref.length,
                                                   help: "set \(ref.name) in the environment"))
                    }
                    value += current
                    fromEnvironment.append(ref.name)
                case .whenUnsetOrEmpty(let fallback), .whenUnset(let fallback):
                    let useFallback: Bool
                    if case .whenUnset = ref.fallback! { useFallback = current == nil } else { useFallback = current?.isEmpty ?? true }
                    if useFallback {
                        switch fallback.expand(in: environment) {
                        case .success(let inner):
                            value += inner.value
                            fromEnvironment += inner.variables
                            defaulted.append(ref.name)
                            defaulted += inner.defaulted
                        case .failure(let diagnostic):
                            return .failure(diagnostic)
                        }
                    } else {
                        value += current!
                        fromEnvironment.append(ref.name)
                    }
                }
            }
        }
        return .success(ExpandedText(value: value, variables: fromEnvironment, defaulted: defaulted))
    }
}

/// A token's value after interpolation.
public struct ExpandedText: Sendable {
    public var value: String
    /// Environment variables whose values ended up in `value`.
    public var variables: [String]
    /// Variables that were unset (or empty), so their `${VAR:-default}` default was used.
    public var defaulted: [String]
}
