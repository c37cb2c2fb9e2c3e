/// Checks JSON text (RFC 8259) before decoding, so a malformed body gets a precise answer: what was
/// expected, the line and column, and a JSON Pointer to the member being read when it went wrong.
enum JSONSyntax {
    struct Failure: Error, Equatable {
        var message: String
        var line: Int
        var column: Int
        var pointer: String
    }

    /// Deeper nesting is refused (it is never legitimate in this API and would exhaust the stack).
    static let maximumDepth = 256

    static func check(_ bytes: some Collection<UInt8>) -> Failure? {
        var scanner = Scanner(bytes: Array(bytes))
        do {
            scanner.skipWhitespace()
            try scanner.value(depth: 0)
            scanner.skipWhitespace()
            if scanner.index < scanner.bytes.count { throw scanner.failure("unexpected \(scanner.describeCurrent()) after the end of the JSON value") }
            return nil
        } catch let failure as Failure {
            return failure
        } catch {
            return Failure(message: "\(error)", line: 1, column: 1, pointer: "")
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var path: [String] = []

        init(bytes: [UInt8]) { self.bytes = bytes }

        func failure(_ message: String) -> Failure {
            var line = 1, column = 1
            var i = 0
            while i < min(index, bytes.count) {
                if bytes[i] == 0x0A { line += 1; column = 1 } else if bytes[i] & 0xC0 != 0x80 { column += 1 }
                i += 1
            }
            return Failure(message: message, line: line, column: column, pointer: FieldError.pointer(path))
        }

        func describeCurrent() -> String {
            guard index < bytes.count else { return "end of input" }
            let b = bytes[index]
            if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
            return "byte 0x\(String(b, radix: 16))"
        }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(Failure) {
            guard depth < JSONSyntax.maximumDepth else { throw failure("JSON nested more than \(JSONSyntax.maximumDepth) levels deep") }
            guard index < bytes.count else { throw failure("expected a value but the body ended") }
            switch bytes[index] {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw failure("expected a value, found \(describeCurrent())")
            }
        }

        mutating func object(depth: Int) throws(Failure) {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw failure("expected a member name in double quotes, found \(describeCurrent())")
                }
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw failure("expected ':' after member name \"\(key)\", found \(describeCurrent())")
                }
                index += 1
                skipWhitespace()
                path.append(key)
                try value(depth: depth + 1)
                path.removeLast()
                skipWhitespace()
                guard index < bytes.count else { throw failure("expected ',' or '}' but the body ended") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return }
                throw failure("expected ',' or '}' after a member, found \(describeCurrent())")
            }
        }

        mutating func array(depth: Int) throws(Failure) {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
            var position = 0
            while true {
                skipWhitespace()
                path.append(String(position))
                try value(depth: depth + 1)
                path.removeLast()
                skipWhitespace()
                guard index < bytes.count else { throw failure("expected ',' or ']' but the body ended") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; position += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return }
                throw failure("expected ',' or ']' after an element, found \(describeCurrent())")
            }
        }

        mutating func string() throws(Failure) -> String {
            index += 1
            var scalars: [UInt8] = []
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") { index += 1; return String(decoding: scalars, as: UTF8.self) }
                if b < 0x20 { throw failure("control character in a string (escape it)") }
                if b == UInt8(ascii: "\\") {
                    index += 1
                    guard index < bytes.count else { break }
                    switch bytes[index] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                         UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        scalars.append(bytes[index]); index += 1
                    case UInt8(ascii: "u"):
                        let hex = bytes.dropFirst(index + 1).prefix(4)
                        guard hex.count == 4, hex.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }) else {
                            throw failure("malformed \\u escape (four hex digits expected)")
                        }
                        index += 5
                    default:
                        throw failure("invalid escape sequence in a string")
                    }
                    continue
                }
                scalars.append(b)
                index += 1
            }
            throw failure("unterminated string")
        }

        mutating func literal(_ word: String) throws(Failure) {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<(index + expected.count)]) == expected else {
                throw failure("expected a value, found \(describeCurrent())")
            }
            index += expected.count
        }

        mutating func number() throws(Failure) {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            func digits() -> Int {
                let s = index
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
                return index - s
            }
            guard index < bytes.count else { throw failure("malformed number") }
            if bytes[index] == UInt8(ascii: "0") { index += 1 } else if digits() == 0 { throw failure("malformed number") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                if digits() == 0 { throw failure("malformed number: digits expected after '.'") }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                if digits() == 0 { throw failure("malformed number: exponent digits expected") }
            }
            _ = start
        }
    }
}
