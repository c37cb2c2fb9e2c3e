/// One problem found in configuration, with where it is and what would fix it.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    /// What is wrong, in one sentence.
    public var message: String
    /// Where it is; `nil` only for problems that have no place in a file (a missing file).
    public var position: SourcePosition?
    /// How many columns to underline after the caret.
    public var length: Int
    /// What to do about it ("did you mean …", "expected …").
    public var help: String?
    /// Further places worth showing ("first defined here").
    public var notes: [(message: String, position: SourcePosition?)]

    public init(
        _ message: String,
        at position: SourcePosition?,
        length: Int = 1,
        help: String? = nil,
        notes: [(message: String, position: SourcePosition?)] = []
    ) {
        self.message = message
        self.position = position
        self.length = max(1, length)
        self.help = help
        self.notes = notes
    }

    /// The compiler-style rendering: `file:line:col: error: …`, the line, a caret, then help.
    public var description: String {
        var out = ""
        if let position {
            out += "\(position): error: \(message)\n"
            out += Self.excerpt(position, length: length)
        } else {
            out += "error: \(message)\n"
        }
        if let help { out += "  help: \(help)\n" }
        for note in notes {
            if let position = note.position {
                out += "\(position): note: \(note.message)\n"
                out += Self.excerpt(position, length: 1)
            } else {
                out += "  note: \(note.message)\n"
            }
        }
        return out
    }

    static func excerpt(_ position: SourcePosition, length: Int) -> String {
        let line = position.file.line(position.line)
        let gutter = String(position.line)
        let pad = String(repeating: " ", count: gutter.count)
        // Keep tabs as tabs in the caret line so the caret lines up under the text.
        let prefix = line.unicodeScalars.prefix(max(0, position.column - 1))
            .map { $0 == "\t" ? "\t" : " " }.joined()
        let available = max(1, line.unicodeScalars.count - (position.column - 1))
        let marks = "^" + String(repeating: "~", count: max(0, min(length, available) - 1))
        return " \(gutter) | \(line)\n \(pad) | \(prefix)\(marks)\n"
    }
}

/// Thrown when configuration cannot be used; carries every problem found, in file order.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }

    public var description: String {
        let body = diagnostics.map(\.description).joined(separator: "\n")
        let count = diagnostics.count
        return body + "\n\(count) configuration error\(count == 1 ? "" : "s")"
    }
}

/// Collects diagnostics while a whole configuration is checked, so one run reports every problem.
public final class DiagnosticLog: @unchecked Sendable {
    private var items: [Diagnostic] = []

    public init() {}

    public func report(_ diagnostic: Diagnostic) { items.append(diagnostic) }

    public var diagnostics: [Diagnostic] { items }
    public var isEmpty: Bool { items.isEmpty }

    /// Throws a `ConfigError` holding everything reported so far, if anything was.
    public func throwIfAny() throws(ConfigError) {
        guard !items.isEmpty else { return }
        throw ConfigError(items.sorted(by: Self.fileOrder))
    }

    static func fileOrder(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        guard let pa = a.position, let pb = b.position else { return a.position == nil && b.position != nil }
        if pa.file.path != pb.file.path { return pa.file.path < pb.file.path }
        return (pa.line, pa.column) < (pb.line, pb.column)
    }
}
