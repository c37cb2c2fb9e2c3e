/// A lexical token of `site.conf`.
public struct ConfigToken: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A bare word: directive names and unquoted arguments.
        case word
        /// `"…"` with escapes and interpolation.
        case quoted
        /// `'…'`: taken literally, no escapes, no interpolation.
        case rawQuoted
        case openBrace
        case closeBrace
        /// A newline or `;`: ends a directive.
        case terminator
        /// `# …` to the end of the line (kept for `config fmt`).
        case comment
    }

    public var kind: Kind
    /// The token exactly as written in the file.
    public var source: String
    /// The token's value (words and strings), with its `${…}` references.
    public var text: ConfigText
    public var position: SourcePosition

    /// Width in columns of the token as written, for carets.
    public var length: Int { source.unicodeScalars.count }

    /// True for tokens that carry a value.
    public var isValue: Bool { kind == .word || kind == .quoted || kind == .rawQuoted }
}
