/// Where something is in a policy file: 1-based line and column, and the field path (`$.resourcePolicy.rules[0]`).
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var path: String

    public init(line: Int, column: Int, path: String) {
        self.line = line
        self.column = column
        self.path = path
    }

    public static let unknown = SourcePosition(line: 0, column: 0, path: "$")
    public var description: String { "\(line):\(column)" }
}

/// One problem found while loading or compiling a policy directory. All problems are collected and reported
/// together; a set with any problem is never served.
public struct PolicyProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The file is not valid YAML/JSON, or a field is unknown, mistyped, duplicated or missing.
        case parse
        /// The document is well formed but breaks a rule (empty actions, a rule without roles, a bad name…).
        case validation
        /// Two files define the same policy.
        case duplicate
        /// An import (derived roles, variables, constants) names nothing.
        case missingImport
        /// A scoped policy has no parent policy in one of its ancestor scopes.
        case missingScope
        /// Policies sharing a scope disagree on `scopePermissions`.
        case scopePermissionsConflict
        /// A condition, variable, output or reference that does not compile.
        case compile
    }

    public var kind: Kind
    /// Path of the file relative to the policy directory.
    public var file: String
    public var position: SourcePosition
    public var message: String

    public init(_ kind: Kind, file: String, at position: SourcePosition, _ message: String) {
        self.kind = kind
        self.file = file
        self.position = position
        self.message = message
    }

    /// `file:line:col: message (at $.path)`.
    public var description: String {
        let location = position.line > 0 ? "\(file):\(position.line):\(position.column)" : file
        let path = position.path == "$" || position.path.isEmpty ? "" : " (at \(position.path))"
        return "\(location): \(message)\(path)"
    }
}

/// A policy directory that does not load: every problem found.
public struct PolicyLoadError: Error, Sendable, CustomStringConvertible {
    public var problems: [PolicyProblem]

    public init(_ problems: [PolicyProblem]) { self.problems = problems }

    public var description: String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return "policies do not compile (\(count)):\n" + problems.map { "  " + $0.description }.joined(separator: "\n")
    }
}
