/// A configuration file held in memory so diagnostics can quote the offending line.
public final class SourceFile: Sendable {
    /// The path as the user wrote it (relative paths stay relative in messages).
    public let path: String
    /// The file's text.
    public let text: String
    /// The file's lines, without their terminators.
    public let lines: [Substring]

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
    }

    /// The text of a 1-based line, or an empty string past the end.
    public func line(_ number: Int) -> Substring {
        number >= 1 && number <= lines.count ? lines[number - 1] : ""
    }
}

/// A point in a configuration file: 1-based line and column (columns count Unicode scalars).
public struct SourcePosition: Sendable, CustomStringConvertible {
    public let file: SourceFile
    public let line: Int
    public let column: Int

    public init(file: SourceFile, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `path:line:col`, the form editors and terminals turn into links.
    public var description: String { "\(file.path):\(line):\(column)" }

    /// `path:line`, used where the column adds nothing (origins in `config print`).
    public var fileAndLine: String { "\(file.path):\(line)" }

    /// The same line, `offset` scalars further right.
    public func advanced(by offset: Int) -> SourcePosition {
        SourcePosition(file: file, line: line, column: column + offset)
    }
}
