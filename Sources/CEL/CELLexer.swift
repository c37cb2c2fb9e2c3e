/// Tokens of CEL source.
struct CELToken: Equatable {
    enum Kind: Equatable {
        case identifier(String)
        case int(Int64)
        /// A decimal or hex magnitude that only fits as a negated literal (`-9223372036854775808`).
        case intMagnitude(UInt64)
        case uint(UInt64)
        case double(Double)
        case string(String)
        case bytes([UInt8])
        case punct(String)
        case end
    }
    var kind: Kind
    var offset: Int
}

struct CELLexer {
    let scalars: [Unicode.Scalar]
    var index = 0

    init(_ source: String) { scalars = Array(source.unicodeScalars) }

    func error(_ message: String, at offset: Int) -> CELParseError {
        var line = 1, column = 1
        for scalar in scalars.prefix(offset) {
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return CELParseError(message: message, offset: offset, line: line, column: column)
    }

    func peek(_ ahead: Int = 0) -> Unicode.Scalar? { index + ahead < scalars.count ? scalars[index + ahead] : nil }

    static let punctuation: [String] = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "[", "]", "{", "}", "(", ")"]

    mutating func tokenize() throws(CELParseError) -> [CELToken] {
        var tokens: [CELToken] = []
        while true {
            skipTrivia()
            guard let c = peek() else {
                tokens.append(CELToken(kind: .end, offset: index))
                return tokens
            }
            let start = index
            if isIdentStart(c) {
                // String and bytes prefixes: r"…", b'…', br"…", rb is not allowed.
                if let prefixed = try lexPrefixedString() { tokens.append(CELToken(kind: prefixed, offset: start)); continue }
                var name = ""
                while let n = peek(), isIdentStart(n) || ("0"..."9").contains(n) { name.unicodeScalars.append(n); index += 1 }
                tokens.append(CELToken(kind: .identifier(name), offset: start))
            } else if ("0"..."9").contains(c) || (c == "." && peek(1).map { ("0"..."9").contains($0) } == true) {
                tokens.append(CELToken(kind: try lexNumber(), offset: start))
            } else if c == "\"" || c == "'" {
                tokens.append(CELToken(kind: .string(try lexString(raw: false, start: start)), offset: start))
            } else if c == "`" {
                throw error("backtick-quoted identifiers are not supported", at: start)
            } else {
                var matched: String?
                for p in Self.punctuation {
                    let ps = Array(p.unicodeScalars)
                    if index + ps.count <= scalars.count, Array(scalars[index..<(index + ps.count)]) == ps { matched = p; break }
                }
                guard let matched else { throw error("unexpected character '\(c)'", at: start) }
                index += matched.unicodeScalars.count
                tokens.append(CELToken(kind: .punct(matched), offset: start))
            }
        }
    }

    func isIdentStart(_ c: Unicode.Scalar) -> Bool { c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) }

    mutating func skipTrivia() {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" { index += 1; continue }
            if c == "/", peek(1) == "/" {
                while let n = peek(), n != "\n" { index += 1; _ = n }
                continue
            }
            break
        }
    }

    /// `r"…"`, `R'…'`, `b"…"`, `B'…'`, `br"…"`, `bR'…'`, `Rb"…"`… (case-insensitive r and b, b first or r first except rb).
    mutating func lexPrefixedString() throws(CELParseError) -> CELToken.Kind? {
        let start = index
        guard let first = peek() else { return nil }
        var raw = false, bytes = false, length = 0
        let lower = first.properties.lowercaseMapping
        if lower == "r" || lower == "b" {
            if let q = peek(1), q == "\"" || q == "'" {
                raw = lower == "r"; bytes = lower == "b"; length = 1
            } else if let second = peek(1), let q = peek(2), q == "\"" || q == "'" {
                let l2 = second.properties.lowercaseMapping
                if lower == "b" && l2 == "r" { raw = true; bytes = true; length = 2 }
            }
        }
        guard length > 0 else { return nil }
        index += length
        let text = try lexString(raw: raw, start: start, bytes: bytes)
        if bytes { return .bytes(bytesStorage) }
        return .string(text)
    }

    /// Bytes accumulated by the last bytes literal (octal and hex escapes are raw octets there).
    var bytesStorage: [UInt8] = []

    mutating func lexString(raw: Bool, start: Int, bytes: Bool = false) throws(CELParseError) -> String {
        guard let quote = peek() else { throw error("unterminated string", at: start) }
        let triple = peek(1) == quote && peek(2) == quote
        index += triple ? 3 : 1
        var text = ""
        var octets: [UInt8] = []
        func append(_ scalar: Unicode.Scalar) {
            text.unicodeScalars.append(scalar)
            if bytes { octets.append(contentsOf: Array(String(scalar).utf8)) }
        }
        while true {
            guard let c = peek() else { throw error("unterminated string", at: start) }
            if triple {
                if c == quote, peek(1) == quote, peek(2) == quote { index += 3; break }
            } else {
                if c == quote { index += 1; break }
                if c == "\n" || c == "\r" { throw error("unterminated string (a line break needs a triple-quoted string or \\n)", at: start) }
            }
            if c == "\r" {
                // A literal CRLF or CR in the source is a line feed.
                index += peek(1) == "\n" ? 2 : 1
                append("\n")
                continue
            }
            if c == "\\" && !raw {
                let escapeStart = index
                index += 1
                guard let e = peek() else { throw error("unterminated escape sequence", at: escapeStart) }
                index += 1
                switch e {
                case "a": append("\u{07}")
                case "b": append("\u{08}")
                case "f": append("\u{0C}")
                case "n": append("\n")
                case "r": append("\r")
                case "t": append("\t")
                case "v": append("\u{0B}")
                case "\\", "?", "\"", "'", "`": append(e)
                case "x", "X":
                    let value = try hexDigits(2, escapeStart)
                    if bytes { text.unicodeScalars.append(Unicode.Scalar(UInt8(value))); octets.append(UInt8(value)) } else { append(Unicode.Scalar(UInt8(value))) }
                case "u", "U":
                    guard !bytes else { throw error("\\\(e) escapes are not allowed in bytes literals", at: escapeStart) }
                    let value = try hexDigits(e == "u" ? 4 : 8, escapeStart)
                    guard let scalar = Unicode.Scalar(value) else { throw error("invalid unicode code point", at: escapeStart) }
                    append(scalar)
                case "0"..."3":
                    var value = Int(e.value - 48)
                    for _ in 0..<2 {
                        guard let d = peek(), ("0"..."7").contains(d) else { throw error("octal escapes need three digits", at: escapeStart) }
                        value = value * 8 + Int(d.value - 48)
                        index += 1
                    }
                    if bytes { text.unicodeScalars.append(Unicode.Scalar(UInt8(value))); octets.append(UInt8(value)) } else { append(Unicode.Scalar(UInt8(value))) }
                default:
                    throw error("invalid escape sequence \\\(e)", at: escapeStart)
                }
                continue
            }
            index += 1
            append(c)
        }
        bytesStorage = octets
        return text
    }

    mutating func hexDigits(_ count: Int, _ at: Int) throws(CELParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let d = peek(), d.properties.isASCIIHexDigit, let digit = UInt32(String(d), radix: 16) else {
                throw error("invalid escape sequence: expected \(count) hex digits", at: at)
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    mutating func lexNumber() throws(CELParseError) -> CELToken.Kind {
        let start = index
        if peek() == "0", peek(1) == "x" || peek(1) == "X" {
            index += 2
            var digits = ""
            while let d = peek(), d.properties.isASCIIHexDigit { digits.unicodeScalars.append(d); index += 1 }
            guard !digits.isEmpty, let value = UInt64(digits, radix: 16) else { throw error("invalid hex literal", at: start) }
            if let u = peek(), u == "u" || u == "U" {
                index += 1
                return .uint(value)
            }
            return value <= UInt64(Int64.max) ? .int(Int64(value)) : .intMagnitude(value)
        }
        var text = ""
        var isDouble = false
        while let d = peek(), ("0"..."9").contains(d) { text.unicodeScalars.append(d); index += 1 }
        if peek() == ".", let next = peek(1), ("0"..."9").contains(next) {
            isDouble = true
            text += "."
            index += 1
            while let d = peek(), ("0"..."9").contains(d) { text.unicodeScalars.append(d); index += 1 }
        }
        if let e = peek(), e == "e" || e == "E" {
            var look = 1
            if let s = peek(1), s == "+" || s == "-" { look = 2 }
            if let d = peek(look), ("0"..."9").contains(d) {
                isDouble = true
                for _ in 0..<look { text.unicodeScalars.append(peek()!); index += 1 }
                while let d = peek(), ("0"..."9").contains(d) { text.unicodeScalars.append(d); index += 1 }
            }
        }
        if isDouble {
            guard let value = Double(text.hasPrefix(".") ? "0" + text : text) else { throw error("invalid double literal", at: start) }
            return .double(value)
        }
        if let u = peek(), u == "u" || u == "U" {
            index += 1
            guard let value = UInt64(text) else { throw error("invalid uint literal", at: start) }
            return .uint(value)
        }
        guard let value = UInt64(text) else { throw error("invalid int literal", at: start) }
        return value <= UInt64(Int64.max) ? .int(Int64(value)) : .intMagnitude(value)
    }
}
