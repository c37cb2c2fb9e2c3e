import Foundation
import Synchronization

/// RE2-syntax regular expressions (what CEL's `matches` takes) run on ICU: the pattern is checked for
/// what RE2 does not have (backreferences, lookaround) and rewritten where ICU differs (`\d`, `\w`, `\s`
/// are ASCII-only in RE2; `.` excludes only `\n`; `(?P<name>…)`).
public struct CELRegex: @unchecked Sendable {
    public struct SyntaxError: Error, CustomStringConvertible {
        public let description: String
    }

    let regex: NSRegularExpression

    public init(_ pattern: String) throws {
        let translated = try Self.translate(pattern)
        do {
            regex = try NSRegularExpression(pattern: translated, options: [])
        } catch {
            throw SyntaxError(description: "invalid pattern")
        }
    }

    /// Whether the pattern matches anywhere in `text` (unanchored, as RE2's partial match).
    public func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The pattern of `x.matches('literal')` / `matches(x, 'literal')`, if it is a literal.
    static func literalPattern(target: CELExpr?, args: [CELExpr]) -> String? {
        let patternArg: CELExpr? = target != nil ? (args.count == 1 ? args[0] : nil) : (args.count == 2 ? args[1] : nil)
        if case .literal(.string(let pattern), _)? = patternArg { return pattern }
        return nil
    }

    private static let cache = Mutex<[String: CELRegex]>([:])

    /// A compiled pattern, cached (patterns computed at run time recur).
    static func cached(_ pattern: String) throws -> CELRegex {
        if let hit = cache.withLock({ $0[pattern] }) { return hit }
        let compiled = try CELRegex(pattern)
        cache.withLock { cache in
            if cache.count > 512 { cache.removeAll() }
            cache[pattern] = compiled
        }
        return compiled
    }

    static func translate(_ pattern: String) throws -> String {
        let chars = Array(pattern.unicodeScalars)
        let dotAll = pattern.contains("(?s") || pattern.contains("(?is") || pattern.contains("(?ms") || pattern.contains("(?ims")
        var out = ""
        var i = 0
        var inClass = false
        func emit(_ s: String) { out += s }
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                guard i + 1 < chars.count else { throw SyntaxError(description: "trailing backslash") }
                let n = chars[i + 1]
                i += 2
                switch n {
                case "1"..."9": throw SyntaxError(description: "backreferences are not supported")
                case "k": throw SyntaxError(description: "backreferences are not supported")
                case "C": throw SyntaxError(description: "\\C is not supported")
                case "d": emit(inClass ? "0-9" : "[0-9]")
                case "D": emit(inClass ? "\\x{0}-/:-\\x{10FFFF}" : "[^0-9]")
                case "w": emit(inClass ? "0-9A-Za-z_" : "[0-9A-Za-z_]")
                case "W": emit(inClass ? "\\x{0}-/:-@\\[-^`{-\\x{10FFFF}" : "[^0-9A-Za-z_]")
                case "s": emit(inClass ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]")
                case "S": emit(inClass ? "\\x{0}-\\x{8}\\x{B}\\x{E}-\\x{1F}!-\\x{10FFFF}" : "[^\\t\\n\\f\\r ]")
                default:
                    emit("\\")
                    out.unicodeScalars.append(n)
                }
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
                if c == "[", i + 1 < chars.count, chars[i + 1] == ":" {
                    // POSIX class [:alpha:] inside a set: copy through to its closing ":]".
                    var j = i + 2
                    while j + 1 < chars.count, !(chars[j] == ":" && chars[j + 1] == "]") { j += 1 }
                    guard j + 1 < chars.count else { throw SyntaxError(description: "unterminated character class") }
                    for k in i...(j + 1) { out.unicodeScalars.append(chars[k]) }
                    i = j + 2
                    continue
                }
                out.unicodeScalars.append(c)
                i += 1
                continue
            }
            switch c {
            case "[":
                inClass = true
                out.unicodeScalars.append(c)
                i += 1
                // A leading ']' or '^]' is literal in a class.
                if i < chars.count, chars[i] == "^" { out += "^"; i += 1 }
                if i < chars.count, chars[i] == "]" { out += "\\]"; i += 1 }
            case "(":
                if i + 2 < chars.count, chars[i + 1] == "?" {
                    let n = chars[i + 2]
                    if n == "=" || n == "!" || n == ">" { throw SyntaxError(description: "lookaround and atomic groups are not supported") }
                    if n == "<", i + 3 < chars.count, chars[i + 3] == "=" || chars[i + 3] == "!" {
                        throw SyntaxError(description: "lookbehind is not supported")
                    }
                    if n == "P", i + 3 < chars.count, chars[i + 3] == "<" {
                        out += "(?<"
                        i += 4
                        continue
                    }
                    // Flags group: RE2 has i, m, s, U.
                    var j = i + 2
                    while j < chars.count, chars[j] != ")", chars[j] != ":" {
                        if chars[j] == "U" { throw SyntaxError(description: "the U (ungreedy) flag is not supported") }
                        j += 1
                    }
                }
                out.unicodeScalars.append(c)
                i += 1
            case ".":
                out += dotAll ? "." : "[^\\n]"
                i += 1
            case "*", "+", "?", "}":
                out.unicodeScalars.append(c)
                i += 1
                // RE2 has no possessive quantifiers (x*+, x++, x?+).
                if i < chars.count, chars[i] == "+" { throw SyntaxError(description: "bad repetition operator: \(c)+") }
            default:
                out.unicodeScalars.append(c)
                i += 1
            }
        }
        if inClass { throw SyntaxError(description: "missing closing ]") }
        return out
    }
}
