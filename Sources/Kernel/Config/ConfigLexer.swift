/// Splits `site.conf` text into tokens: words, quoted strings, braces, terminators and comments.
///
/// A word ends at whitespace, `;`, `{` or `}` (braces inside `${…}` belong to the word). `#` starts a
/// comment only where a token could start, so `http://host/#x` stays one word.
struct ConfigLexer {
    private let file: SourceFile
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1

    init(file: SourceFile) {
        self.file = file
        self.scalars = Array(file.text.unicodeScalars)
    }

    static func tokenize(_ file: SourceFile) throws(ConfigError) -> [ConfigToken] {
        var lexer = ConfigLexer(file: file)
        return try lexer.run()
    }

    private var position: SourcePosition { SourcePosition(file: file, line: line, column: column) }
    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() -> Unicode.Scalar {
        let c = scalars[index]
        index += 1
        if c == "\n" { line += 1; column = 1 } else { column += 1 }
        return c
    }

    private mutating func run() throws(ConfigError) -> [ConfigToken] {
        var tokens: [ConfigToken] = []
        while let c = peek() {
            let start = position
            let startIndex = index
            switch c {
            case " ", "\t", "\r":
                _ = advance()
            case "\n", ";":
                _ = advance()
                tokens.append(ConfigToken(kind: .terminator, source: String(c), text: ConfigText(literal: ""), position: start))
            case "#":
                while let n = peek(), n != "\n" { _ = advance() }
                let source = sourceText(from: startIndex)
                tokens.append(ConfigToken(kind: .comment, source: source, text: ConfigText(literal: source), position: start))
            case "{":
                _ = advance()
                tokens.append(ConfigToken(kind: .openBrace, source: "{", text: ConfigText(literal: "{"), position: start))
            case "}":
                _ = advance()
                tokens.append(ConfigToken(kind: .closeBrace, source: "}", text: ConfigText(literal: "}"), position: start))
            case "\"":
                _ = advance()
                let text = try lexInterpolated(until: "\"", escapes: true, openedAt: start)
                tokens.append(ConfigToken(kind: .quoted, source: sourceText(from: startIndex), text: text, position: start))
            case "'":
                _ = advance()
                var value = ""
                while true {
                    guard let n = peek(), n != "\n" else {
                        throw ConfigError(Diagnostic("unterminated string", at: start, help: "close it with ' on the same line"))
                    }
                    _ = advance()
                    if n == "'" { break }
                    value.unicodeScalars.append(n)
                }
                tokens.append(ConfigToken(kind: .rawQuoted, source: sourceText(from: startIndex), text: ConfigText(literal: value), position: start))
            default:
                let text = try lexInterpolated(until: nil, escapes: false, openedAt: start)
                tokens.append(ConfigToken(kind: .word, source: sourceText(from: startIndex), text: text, position: start))
            }
        }
        return tokens
    }

    private func sourceText(from start: Int) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars[start..<index])
        return s
    }

    /// Reads a word (closing == nil) or a double-quoted string body, splitting out `${…}` references.
    private mutating func lexInterpolated(until closing: Unicode.Scalar?, escapes: Bool, openedAt start: SourcePosition) throws(ConfigError) -> ConfigText {
        var segments: [ConfigText.Segment] = []
        var literal = ""
        func flush() {
            if !literal.isEmpty { segments.append(.literal(literal)); literal = "" }
        }
        while true {
            guard let c = peek() else {
                if closing != nil {
                    throw ConfigError(Diagnostic("unterminated string", at: start, help: "close it with \" before the end of the file"))
                }
                break
            }
            if let closing {
                if c == closing { _ = advance(); break }
                if c == "\n" {
                    throw ConfigError(Diagnostic("unterminated string", at: start, help: "close it with \" on the same line, or write \\n for a newline"))
                }
            } else if c == " " || c == "\t" || c == "\r" || c == "\n" || c == ";" || c == "{" || c == "}" {
                break
            }
            if c == "\\" {
                let escapeStart = position
                _ = advance()
                guard let e = peek() else { literal += "\\"; continue }
                if e == "$" { _ = advance(); literal += "$"; continue }
                if !escapes { literal += "\\"; continue }
                _ = advance()
                switch e {
                case "n": literal += "\n"
                case "t": literal += "\t"
                case "r": literal += "\r"
                case "\"": literal += "\""
                case "\\": literal += "\\"
                case "u":
                    literal.unicodeScalars.append(try lexUnicodeEscape(at: escapeStart))
                default:
                    throw ConfigError(Diagnostic("unknown escape sequence \\\(e)", at: escapeStart, length: 2,
                                                 help: "valid escapes are \\\" \\\\ \\n \\t \\r \\$ and \\u{…}"))
                }
                continue
            }
            if c == "$", peek(1) == "{" {
                flush()
                segments.append(.variable(try lexReference()))
                continue
            }
            _ = advance()
            literal.unicodeScalars.append(c)
        }
        flush()
        return ConfigText(segments: segments)
    }

    private mutating func lexUnicodeEscape(at start: SourcePosition) throws(ConfigError) -> Unicode.Scalar {
        guard peek() == "{" else {
            throw ConfigError(Diagnostic("malformed unicode escape", at: start, length: 2, help: "write \\u{1F600}"))
        }
        _ = advance()
        var hex = ""
        while let h = peek(), h != "}" {
            guard h.properties.isASCIIHexDigit, hex.count < 8 else {
                throw ConfigError(Diagnostic("malformed unicode escape", at: start, length: 2, help: "write \\u{1F600}"))
            }
            hex.unicodeScalars.append(advance())
        }
        guard peek() == "}", let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
            throw ConfigError(Diagnostic("malformed unicode escape", at: start, length: 2, help: "write \\u{1F600}"))
        }
        _ = advance()
        return scalar
    }

    /// `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`; defaults may nest references.
    private mutating func lexReference() throws(ConfigError) -> ConfigText.VariableReference {
        let start = position
        let startIndex = index
        _ = advance(); _ = advance()  // "${"
        var name = ""
        while let c = peek(), c == "_" || ("A"..."Z").contains(c) || ("a"..."z").contains(c) || (!name.isEmpty && ("0"..."9").contains(c)) {
            name.unicodeScalars.append(advance())
        }
        guard !name.isEmpty else {
            throw ConfigError(Diagnostic("expected a variable name after ${", at: start, length: 2,
                                         help: "write ${NAME} or ${NAME:-default}; write \\$ for a literal $"))
        }
        var fallback: ConfigText.VariableReference.Fallback?
        switch (peek(), peek(1)) {
        case (":", "-"):
            _ = advance(); _ = advance()
            fallback = .whenUnsetOrEmpty(try lexDefault(openedAt: start))
        case (":", "?"):
            _ = advance(); _ = advance()
            fallback = .required(try lexDefault(openedAt: start).literalText)
        case ("-", _):
            _ = advance()
            fallback = .whenUnset(try lexDefault(openedAt: start))
        case ("}", _):
            _ = advance()
        default:
            throw ConfigError(Diagnostic("malformed variable reference", at: start, length: index - startIndex + 1,
                                         help: "write ${NAME}, ${NAME:-default}, ${NAME-default} or ${NAME:?message}"))
        }
        return ConfigText.VariableReference(name: name, fallback: fallback, position: start, length: index - startIndex)
    }

    /// The default text of a reference, up to its matching `}`.
    private mutating func lexDefault(openedAt start: SourcePosition) throws(ConfigError) -> ConfigText {
        var segments: [ConfigText.Segment] = []
        var literal = ""
        while true {
            guard let c = peek(), c != "\n" else {
                throw ConfigError(Diagnostic("unterminated variable reference", at: start, length: 2, help: "close it with }"))
            }
            if c == "}" { _ = advance(); break }
            if c == "\\", peek(1) == "}" || peek(1) == "$" { _ = advance(); literal.unicodeScalars.append(advance()); continue }
            if c == "$", peek(1) == "{" {
                if !literal.isEmpty { segments.append(.literal(literal)); literal = "" }
                segments.append(.variable(try lexReference()))
                continue
            }
            literal.unicodeScalars.append(advance())
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return ConfigText(segments: segments)
    }
}
