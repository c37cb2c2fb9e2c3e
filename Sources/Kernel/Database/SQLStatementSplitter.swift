/// Splits a migration's SQL into statements, since drivers run one statement per query.
///
/// Semicolons inside quotes, comments, PostgreSQL dollar-quoted bodies and `CREATE TRIGGER … END;`
/// bodies do not split.
public enum SQLStatementSplitter {
    public static func split(_ sql: String) -> [String] {
        let chars = Array(sql)
        var statements: [String] = []
        var current = ""
        var i = 0
        var triggerDepth = 0

        func flush() {
            let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty, !isOnlyComments(trimmed) { statements.append(trimmed) }
            current = ""
            triggerDepth = 0
        }

        while i < chars.count {
            let c = chars[i]
            if c == "'" || c == "\"" {
                let quote = c
                current.append(c); i += 1
                while i < chars.count {
                    current.append(chars[i])
                    if chars[i] == quote {
                        if i + 1 < chars.count, chars[i + 1] == quote { current.append(chars[i + 1]); i += 2; continue }
                        i += 1
                        break
                    }
                    i += 1
                }
                continue
            }
            if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count, chars[i] != "\n" { current.append(chars[i]); i += 1 }
                continue
            }
            if c == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                while i < chars.count, !(chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/") { current.append(chars[i]); i += 1 }
                if i < chars.count { current.append("*/"); i += 2 }
                continue
            }
            if c == "$", let tagEnd = dollarTagEnd(chars, from: i) {
                let tag = String(chars[i...tagEnd])
                current += tag
                i = tagEnd + 1
                while i < chars.count {
                    if chars[i] == "$", i + tag.count <= chars.count, String(chars[i..<(i + tag.count)]) == tag {
                        current += tag
                        i += tag.count
                        break
                    }
                    current.append(chars[i]); i += 1
                }
                continue
            }
            if c.isLetter {
                var word = ""
                while i < chars.count, chars[i].isLetter || chars[i] == "_" || chars[i].isNumber { word.append(chars[i]); i += 1 }
                current += word
                let upper = word.uppercased()
                if upper == "BEGIN", isCreateTrigger(current) { triggerDepth += 1 }
                if upper == "END", triggerDepth > 0 { triggerDepth -= 1 }
                continue
            }
            if c == ";", triggerDepth == 0 {
                flush()
                i += 1
                continue
            }
            current.append(c)
            i += 1
        }
        flush()
        return statements
    }

    private static func dollarTagEnd(_ chars: [Character], from start: Int) -> Int? {
        var j = start + 1
        while j < chars.count, chars[j].isLetter || chars[j] == "_" || (j > start + 1 && chars[j].isNumber) { j += 1 }
        return j < chars.count && chars[j] == "$" ? j : nil
    }

    private static func isCreateTrigger(_ statement: String) -> Bool {
        let words = statement.uppercased().split(whereSeparator: { $0.isWhitespace }).prefix(4)
        return words.first == "CREATE" && words.contains("TRIGGER")
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
    }
}

import Foundation
