import Foundation

/// An ECMA-262 pattern run on ICU, searched unanchored. Rewritten where the dialects differ: `\d` and `\w` are
/// ASCII-only, `$` is the end of the text (not before a final newline), `[` inside a class is a literal, and a
/// `{` that does not start a quantifier is a literal.
final class ECMARegex: @unchecked Sendable {
    // NSRegularExpression is immutable once built and safe to use from several threads.
    let source: String
    private let regex: NSRegularExpression

    init?(_ pattern: String) {
        source = pattern
        guard let regex = try? NSRegularExpression(pattern: Self.translate(pattern), options: []) else { return nil }
        self.regex = regex
    }

    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }

    private static func translate(_ pattern: String) -> String {
        let chars = Array(pattern.unicodeScalars)
        var out = ""
        var i = 0
        var inClass = false
        func isQuantifier(at start: Int) -> Int? {
            // {n}, {n,}, {n,m}: returns the index of the closing brace.
            var j = start + 1
            var sawDigit = false
            while j < chars.count, ("0"..."9").contains(chars[j]) { j += 1; sawDigit = true }
            guard sawDigit, j < chars.count else { return nil }
            if chars[j] == "," {
                j += 1
                while j < chars.count, ("0"..."9").contains(chars[j]) { j += 1 }
            }
            return j < chars.count && chars[j] == "}" ? j : nil
        }
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count {
                let next = chars[i + 1]
                i += 2
                switch next {
                case "d": out += inClass ? "0-9" : "[0-9]"
                case "D": out += inClass ? "\\D" : "[^0-9]"
                case "w": out += inClass ? "A-Za-z0-9_" : "[A-Za-z0-9_]"
                case "W": out += inClass ? "\\W" : "[^A-Za-z0-9_]"
                default:
                    out += "\\"
                    out.unicodeScalars.append(next)
                }
                continue
            }
            i += 1
            if inClass {
                if c == "]" { inClass = false; out += "]" } else if c == "[" { out += "\\[" } else { out.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "[":
                if i < chars.count, chars[i] == "]" {
                    out += "(?!)"  // [] matches nothing
                    i += 1
                } else if i + 1 < chars.count, chars[i] == "^", chars[i + 1] == "]" {
                    out += "[\\s\\S]"  // [^] matches anything
                    i += 2
                } else {
                    inClass = true
                    out += "["
                    if i < chars.count, chars[i] == "^" { out += "^"; i += 1 }
                    if i < chars.count, chars[i] == "]" { out += "\\]"; i += 1 }
                }
            case "$": out += "(?![\\s\\S])"
            case "{":
                if let end = isQuantifier(at: i - 1) {
                    out += String(String.UnicodeScalarView(chars[(i - 1)...end]))
                    i = end + 1
                } else {
                    out += "\\{"
                }
            case "}": out += "\\}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
