/// `lintel config fmt`: one directive per line, four-space indentation, single spaces between
/// arguments, `;` turned into line breaks, comments kept, runs of blank lines collapsed to one.
public enum ConfigFormatter {
    /// The canonical text of a file; throws the file's syntax errors, since a broken file has no canonical form.
    public static func format(_ file: SourceFile) throws(ConfigError) -> String {
        _ = try ConfigParser.parse(file)
        let tokens = try ConfigLexer.tokenize(file)
        var lines: [String] = []
        var current: [String] = []
        var depth = 0
        var newlines = 0
        var blankPending = false

        func indent() -> String { String(repeating: "    ", count: depth) }
        func flush() {
            guard !current.isEmpty else { return }
            lines.append(indent() + current.joined(separator: " "))
            current = []
        }
        func startLine() {
            guard current.isEmpty else { return }
            if blankPending, let last = lines.last, !last.hasSuffix("{") { lines.append("") }
            blankPending = false
        }

        for token in tokens {
            if token.kind == .terminator, token.source == "\n" {
                newlines += 1
                if newlines >= 2 { blankPending = true }
                flush()
                continue
            }
            newlines = 0
            switch token.kind {
            case .terminator:
                flush()
            case .comment:
                startLine()
                var text = Substring(token.source)
                while text.last == " " || text.last == "\t" || text.last == "\r" { text = text.dropLast() }
                current.append(String(text))
                flush()
            case .openBrace:
                startLine()
                current.append("{")
                flush()
                depth += 1
            case .closeBrace:
                flush()
                blankPending = false
                depth = max(0, depth - 1)
                // An empty block stays on its line: `plugin tenancy {}`.
                if let last = lines.last, last.hasSuffix("{"), !last.trimmingCharacters(in: .whitespaces).hasPrefix("#") {
                    lines[lines.count - 1] += "}"
                } else {
                    lines.append(indent() + "}")
                }
            case .word, .quoted, .rawQuoted:
                startLine()
                current.append(token.source)
            }
        }
        flush()
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
