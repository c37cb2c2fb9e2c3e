/// The strings extension: all positions count Unicode code points.
public enum CELStrings {
    static func indexOf(_ text: [Unicode.Scalar], _ sub: [Unicode.Scalar], from start: Int) -> Int? {
        if sub.isEmpty { return min(start, text.count) }
        guard text.count >= sub.count, start <= text.count - sub.count else { return nil }
        var i = start
        while i <= text.count - sub.count {
            if text[i] == sub[0] {
                var j = 1
                while j < sub.count, text[i + j] == sub[j] { j += 1 }
                if j == sub.count { return i }
            }
            i += 1
        }
        return nil
    }

    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars)
        return s
    }

    /// Go's `strings.TrimSpace` set.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    public static var functions: [CELFunction] {
        [
            .binary("charAt", .member) { s, i in
                guard case .string(let text) = s, case .int(let index) = i else { return CELValue.noOverload("charAt", s, i) }
                let scalars = Array(text.unicodeScalars)
                guard index >= 0, index <= Int64(scalars.count) else { return .error("index out of range: \(index)") }
                return .string(index == Int64(scalars.count) ? "" : String(scalars[Int(index)]))
            },
            .variadic("indexOf", .member, [2, 3]) { args in
                guard case .string(let text) = args[0], case .string(let sub) = args[1] else { return CELValue.noOverload("indexOf", args[0], args[1]) }
                let scalars = Array(text.unicodeScalars)
                var start = 0
                if args.count == 3 {
                    guard case .int(let offset) = args[2] else { return CELValue.noOverload("indexOf", args[2]) }
                    guard offset >= 0 else { return .error("index out of range: \(offset)") }
                    if offset >= Int64(scalars.count), !sub.isEmpty { return .int(-1) }
                    start = Int(min(offset, Int64(scalars.count)))
                }
                return .int(Int64(indexOf(scalars, Array(sub.unicodeScalars), from: start) ?? -1))
            },
            .variadic("lastIndexOf", .member, [2, 3]) { args in
                guard case .string(let text) = args[0], case .string(let sub) = args[1] else { return CELValue.noOverload("lastIndexOf", args[0], args[1]) }
                let scalars = Array(text.unicodeScalars), needle = Array(sub.unicodeScalars)
                var last = scalars.count
                if args.count == 3 {
                    guard case .int(let offset) = args[2] else { return CELValue.noOverload("lastIndexOf", args[2]) }
                    guard offset >= 0 else { return .error("index out of range: \(offset)") }
                    if offset >= Int64(scalars.count), !needle.isEmpty { return .int(-1) }
                    last = Int(min(offset, Int64(scalars.count)))
                }
                if needle.isEmpty { return .int(Int64(last)) }
                var i = min(last, scalars.count - needle.count)
                while i >= 0 {
                    if Array(scalars[i..<(i + needle.count)]) == needle { return .int(Int64(i)) }
                    i -= 1
                }
                return .int(-1)
            },
            .unary("lowerAscii", .member) { s in
                guard case .string(let text) = s else { return CELValue.noOverload("lowerAscii", s) }
                return .string(string(text.unicodeScalars.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32)! : $0 }))
            },
            .unary("upperAscii", .member) { s in
                guard case .string(let text) = s else { return CELValue.noOverload("upperAscii", s) }
                return .string(string(text.unicodeScalars.map { ("a"..."z").contains($0) ? Unicode.Scalar($0.value - 32)! : $0 }))
            },
            .variadic("replace", .member, [3, 4]) { args in
                guard case .string(let text) = args[0], case .string(let old) = args[1], case .string(let new) = args[2] else {
                    return CELValue.noOverload("replace", args[0], args[1], args[2])
                }
                var limit: Int64 = -1
                if args.count == 4 {
                    guard case .int(let n) = args[3] else { return CELValue.noOverload("replace", args[3]) }
                    limit = n
                }
                return .string(replace(text, old, new, limit))
            },
            .variadic("split", .member, [2, 3]) { args in
                guard case .string(let text) = args[0], case .string(let separator) = args[1] else { return CELValue.noOverload("split", args[0], args[1]) }
                var limit: Int64 = -1
                if args.count == 3 {
                    guard case .int(let n) = args[2] else { return CELValue.noOverload("split", args[2]) }
                    limit = n
                }
                return .list(split(text, separator, limit).map { .string($0) })
            },
            .variadic("substring", .member, [2, 3]) { args in
                guard case .string(let text) = args[0], case .int(let start) = args[1] else { return CELValue.noOverload("substring", args[0], args[1]) }
                let scalars = Array(text.unicodeScalars)
                var end = Int64(scalars.count)
                if args.count == 2, start < 0 || start > end { return .error("index out of range: \(start)") }
                if args.count == 3 {
                    guard case .int(let e) = args[2] else { return CELValue.noOverload("substring", args[2]) }
                    end = e
                }
                if start > end { return .error("invalid substring range. start: \(start), end: \(end)") }
                guard start >= 0, start <= Int64(scalars.count) else { return .error("index out of range: \(start)") }
                guard end >= 0, end <= Int64(scalars.count) else { return .error("index out of range: \(end)") }
                return .string(string(scalars[Int(start)..<Int(end)]))
            },
            .unary("trim", .member) { s in
                guard case .string(let text) = s else { return CELValue.noOverload("trim", s) }
                let scalars = Array(text.unicodeScalars)
                var start = 0, end = scalars.count
                while start < end, isSpace(scalars[start]) { start += 1 }
                while end > start, isSpace(scalars[end - 1]) { end -= 1 }
                return .string(string(scalars[start..<end]))
            },
            .variadic("join", .member, [1, 2]) { args in
                guard case .list(let items) = args[0] else { return CELValue.noOverload("join", args[0]) }
                var separator = ""
                if args.count == 2 {
                    guard case .string(let s) = args[1] else { return CELValue.noOverload("join", args[1]) }
                    separator = s
                }
                var parts: [String] = []
                for item in items {
                    guard case .string(let s) = item else { return .error("join: list elements must be strings") }
                    parts.append(s)
                }
                return .string(parts.joined(separator: separator))
            },
            .unary("reverse", .member) { v in
                switch v {
                case .string(let text): return .string(string(text.unicodeScalars.reversed()))
                case .list(let items): return .list(items.reversed())
                default: return CELValue.noOverload("reverse", v)
                }
            },
            .unary("strings.quote", .global) { v in
                guard case .string(let text) = v else { return CELValue.noOverload("strings.quote", v) }
                var out = "\""
                for c in text.unicodeScalars {
                    switch c {
                    case "\u{07}": out += "\\a"
                    case "\u{08}": out += "\\b"
                    case "\u{0C}": out += "\\f"
                    case "\n": out += "\\n"
                    case "\r": out += "\\r"
                    case "\t": out += "\\t"
                    case "\u{0B}": out += "\\v"
                    case "\\": out += "\\\\"
                    case "\"": out += "\\\""
                    default: out.unicodeScalars.append(c)
                    }
                }
                return .string(out + "\"")
            },
            .binary("format", .member) { s, list in
                guard case .string(let template) = s, case .list(let args) = list else { return CELValue.noOverload("format", s, list) }
                return CELFormat.format(template, args)
            },
        ]
    }

    /// Go's `strings.Replace`.
    static func replace(_ text: String, _ old: String, _ new: String, _ limit: Int64) -> String {
        if limit == 0 { return text }
        let scalars = Array(text.unicodeScalars), needle = Array(old.unicodeScalars), replacement = Array(new.unicodeScalars)
        var out: [Unicode.Scalar] = []
        var count: Int64 = 0
        if needle.isEmpty {
            for (i, c) in scalars.enumerated() {
                if limit < 0 || count < limit { out += replacement; count += 1 }
                out.append(c)
                _ = i
            }
            if limit < 0 || count < limit { out += replacement }
            return string(out)
        }
        var i = 0
        while i < scalars.count {
            if (limit < 0 || count < limit), i + needle.count <= scalars.count, Array(scalars[i..<(i + needle.count)]) == needle {
                out += replacement
                i += needle.count
                count += 1
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return string(out)
    }

    /// Go's `strings.SplitN` (n < 0: all).
    static func split(_ text: String, _ separator: String, _ limit: Int64) -> [String] {
        if limit == 0 { return [] }
        let scalars = Array(text.unicodeScalars), sep = Array(separator.unicodeScalars)
        if sep.isEmpty {
            var parts = scalars.map { String($0) }
            if limit > 0, parts.count > Int(limit) {
                let head = parts.prefix(Int(limit) - 1)
                parts = Array(head) + [string(scalars[(Int(limit) - 1)...])]
            }
            return parts
        }
        var parts: [String] = []
        var start = 0, i = 0
        while i + sep.count <= scalars.count {
            if limit > 0, parts.count == Int(limit) - 1 { break }
            if Array(scalars[i..<(i + sep.count)]) == sep {
                parts.append(string(scalars[start..<i]))
                i += sep.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(string(scalars[start...]))
        return parts
    }
}
