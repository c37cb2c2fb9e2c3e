/// Cerbos's naming rules: policy keys as they appear in `matchedPolicy` and output sources, name
/// sanitisation, scope chains, and the patterns names must match.
enum PolicyNames {
    static func resourceKey(kind: String, version: String, scope: String) -> String {
        withScope("resource.\(sanitize(kind)).v\(sanitize(version))", scope)
    }

    static func principalKey(id: String, version: String, scope: String) -> String {
        withScope("principal.\(sanitize(id)).v\(version)", scope)
    }

    static func roleKey(role: String, version: String, scope: String) -> String {
        withScope("role.\(sanitize(role)).v\(version)", scope)
    }

    private static func withScope(_ key: String, _ scope: String) -> String { scope.isEmpty ? key : "\(key)/\(scope)" }

    /// Names made of letter-led segments joined by `:` have every run of characters outside `[A-Za-z0-9_.]`
    /// replaced by `_` (`album:object` → `album_object`); anything else is left as it is.
    static func sanitize(_ value: String) -> String {
        guard isSanitizable(value) else { return value }
        var result = ""
        result.reserveCapacity(value.utf8.count)
        var inRun = false
        for scalar in value.unicodeScalars {
            if scalar.isASCII && (isAlnum(scalar) || scalar == "_" || scalar == ".") {
                result.unicodeScalars.append(scalar)
                inRun = false
            } else if !inRun {
                result.append("_")
                inRun = true
            }
        }
        return result
    }

    private static func isSanitizable(_ value: String) -> Bool {
        // ^[[:alpha:]][[:word:]@.\-/]*(:[[:alpha:]][[:word:]@.\-/]*)*$
        var atSegmentStart = true
        for scalar in value.unicodeScalars {
            if atSegmentStart {
                guard scalar.isASCII && isAlpha(scalar) else { return false }
                atSegmentStart = false
                continue
            }
            if scalar == ":" { atSegmentStart = true; continue }
            guard scalar.isASCII && (isAlnum(scalar) || "_@.-/".unicodeScalars.contains(scalar)) else { return false }
        }
        return !atSegmentStart
    }

    private static func isAlpha(_ s: Unicode.Scalar) -> Bool { (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") }
    private static func isAlnum(_ s: Unicode.Scalar) -> Bool { isAlpha(s) || (s >= "0" && s <= "9") }
    static func isWord(_ s: Unicode.Scalar) -> Bool { s.isASCII && (isAlnum(s) || s == "_") }

    /// `a.b.c` → `["a.b.c", "a.b", "a", ""]`.
    static func scopeChain(_ scope: String) -> [String] {
        guard !scope.isEmpty else { return [""] }
        var chain = [scope]
        var current = Substring(scope)
        while let dot = current.lastIndex(of: ".") {
            current = current[..<dot]
            chain.append(String(current))
        }
        chain.append("")
        return chain
    }

    /// A leading `.` is dropped, so `"."` is the root scope.
    static func normalizeScope(_ scope: String) -> String { scope.hasPrefix(".") ? String(scope.dropFirst()) : scope }

    // MARK: Validation patterns

    /// `^[^!*?\[\]{}]+$`: resource kinds, principal ids, role names.
    static func isLiteralName(_ s: String) -> Bool { !s.isEmpty && !s.contains(where: { "!*?[]{}".contains($0) }) }

    /// `^\w+$` (or `^\w*$` when empty is allowed).
    static func isVersion(_ s: String, allowEmpty: Bool = false) -> Bool {
        (allowEmpty || !s.isEmpty) && s.unicodeScalars.allSatisfy(isWord)
    }

    /// `^(^$|\.|[0-9a-zA-Z][\w\-]*(\.\w[\w\-]*)*)$`.
    static func isScope(_ s: String) -> Bool {
        if s.isEmpty || s == "." { return true }
        let segments = s.split(separator: ".", omittingEmptySubsequences: false)
        for (i, segment) in segments.enumerated() {
            guard let first = segment.unicodeScalars.first else { return false }
            if i == 0 {
                guard first.isASCII && isAlnum(first) else { return false }
            } else {
                guard isWord(first) else { return false }
            }
            guard segment.unicodeScalars.allSatisfy({ isWord($0) || $0 == "-" }) else { return false }
        }
        return true
    }

    /// `^[\w\-\.]+$`: derived role names, import names.
    static func isImportName(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { isWord($0) || $0 == "-" || $0 == "." }
    }

    /// `^([a-zA-Z][\w\@\.\-]*)*$`: rule names.
    static func isRuleName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first else { return true }
        return first.isASCII && isAlpha(first) && s.unicodeScalars.allSatisfy { isWord($0) || "@.-".unicodeScalars.contains($0) }
    }

    /// A CEL identifier that is not a reserved word: variable and constant names.
    static func identifierProblem(_ s: String) -> String? {
        if ["true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import",
            "let", "loop", "package", "namespace", "return", "var", "void", "while"].contains(s) {
            return "\"\(s)\" is a reserved keyword and can't be used as an identifier"
        }
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && isAlpha(first)),
            s.unicodeScalars.allSatisfy(isWord) else {
            return "\"\(s)\" is not a valid identifier"
        }
        return nil
    }
}
