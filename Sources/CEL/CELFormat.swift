import Foundation

/// `"…".format([args])`: `%s %d %f %e %b %o %x %X %%` with an optional `.precision`.
enum CELFormat {
    static func format(_ template: String, _ args: [CELValue]) -> CELValue {
        let chars = Array(template.unicodeScalars)
        var out = ""
        var argIndex = 0
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == "%" else { out.unicodeScalars.append(c); i += 1; continue }
            i += 1
            guard i < chars.count else { return .error("could not parse formatting clause: missing verb after %") }
            if chars[i] == "%" { out += "%"; i += 1; continue }
            var precision: Int?
            if chars[i] == "." {
                i += 1
                var digits = ""
                while i < chars.count, ("0"..."9").contains(chars[i]) { digits.unicodeScalars.append(chars[i]); i += 1 }
                guard let p = Int(digits), p <= 100 else { return .error("could not parse formatting clause: invalid precision") }
                precision = p
            }
            guard i < chars.count else { return .error("could not parse formatting clause: missing verb") }
            let verb = chars[i]
            i += 1
            guard argIndex < args.count else { return .error("index \(argIndex) out of range") }
            let arg = args[argIndex]
            argIndex += 1
            switch clause(verb, arg, precision) {
            case .success(let text): out += text
            case .failure(let error): return .error(error.message)
            }
        }
        return .string(out)
    }

    static func clause(_ verb: Unicode.Scalar, _ arg: CELValue, _ precision: Int?) -> Result<String, CELError> {
        switch verb {
        case "s":
            return string(arg)
        case "d":
            switch arg {
            case .int(let i): return .success(String(i))
            case .uint(let u): return .success(String(u))
            case .double(let d): return .success(CELFormatting.plainDouble(d))
            default: return .failure(CELError("error during formatting: decimal clause can only be used on integers, was given \(arg.type.name)"))
            }
        case "f", "e":
            let value: Double
            switch arg {
            case .int(let i): value = Double(i)
            case .uint(let u): value = Double(u)
            case .double(let d): value = d
            default:
                return .failure(CELError("error during formatting: \(verb == "f" ? "fixed-point" : "scientific") clause can only be used on doubles, was given \(arg.type.name)"))
            }
            if value.isNaN { return .success("NaN") }
            if value.isInfinite { return .success(value < 0 ? "-Infinity" : "Infinity") }
            return .success(verb == "f" ? fixed(value, precision ?? 6) : scientific(value, precision ?? 6))
        case "b":
            switch arg {
            case .int(let i): return .success((i < 0 ? "-" : "") + String(i.magnitude, radix: 2))
            case .uint(let u): return .success(String(u, radix: 2))
            case .bool(let b): return .success(b ? "1" : "0")
            default: return .failure(CELError("error during formatting: only integers and bools can be formatted as binary, was given \(arg.type.name)"))
            }
        case "o":
            switch arg {
            case .int(let i): return .success((i < 0 ? "-" : "") + String(i.magnitude, radix: 8))
            case .uint(let u): return .success(String(u, radix: 8))
            default: return .failure(CELError("error during formatting: octal clause can only be used on integers, was given \(arg.type.name)"))
            }
        case "x", "X":
            let upper = verb == "X"
            let text: String
            switch arg {
            case .int(let i): text = (i < 0 ? "-" : "") + String(i.magnitude, radix: 16)
            case .uint(let u): text = String(u, radix: 16)
            case .string(let s): text = s.utf8.map { String(format: "%02x", $0) }.joined()
            case .bytes(let b): text = b.map { String(format: "%02x", $0) }.joined()
            default:
                return .failure(CELError("error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given \(arg.type.name)"))
            }
            return .success(upper ? text.uppercased() : text)
        default:
            return .failure(CELError("could not parse formatting clause: unrecognized formatting clause \"\(verb)\""))
        }
    }

    static func string(_ arg: CELValue) -> Result<String, CELError> {
        switch arg {
        case .null, .bool, .int, .uint, .double, .string, .bytes, .timestamp, .duration, .type:
            return .success(CELFormatting.display(arg))
        case .list(let items):
            var parts: [String] = []
            for item in items {
                switch string(item) {
                case .success(let s): parts.append(s)
                case .failure(let e): return .failure(e)
                }
            }
            return .success("[" + parts.joined(separator: ", ") + "]")
        case .map(let map):
            var parts: [(String, String)] = []
            for (key, value) in map.entries {
                guard case .success(let k) = string(key.value), case .success(let v) = string(value) else {
                    return .failure(CELError("error during formatting: could not format map"))
                }
                parts.append((k, v))
            }
            return .success("{" + parts.sorted { $0.0 < $1.0 }.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}")
        default:
            return .failure(CELError("error during formatting: string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given \(arg.type.name)"))
        }
    }

    /// `%.Nf` with round-half-even on the exact binary value (as Go's strconv).
    static func fixed(_ value: Double, _ precision: Int) -> String {
        let sign = value.sign == .minus && value != 0 ? "-" : ""
        let digits = exactDecimal(value.magnitude)
        // digits: integer part and fractional digits of the exact value.
        var integer = digits.integer
        var fraction = digits.fraction
        if fraction.count > precision {
            let keep = Array(fraction.prefix(precision))
            let rest = Array(fraction.dropFirst(precision))
            let first = rest.first ?? 0
            let beyond = rest.dropFirst().contains { $0 != 0 }
            let last = (keep.last ?? integer.last ?? 0)
            let roundUp = first > 5 || (first == 5 && (beyond || last % 2 == 1))
            fraction = keep
            if roundUp {
                var carry = true
                var i = fraction.count - 1
                while carry, i >= 0 {
                    if fraction[i] == 9 { fraction[i] = 0; i -= 1 } else { fraction[i] += 1; carry = false }
                }
                if carry {
                    var j = integer.count - 1
                    while carry, j >= 0 {
                        if integer[j] == 9 { integer[j] = 0; j -= 1 } else { integer[j] += 1; carry = false }
                    }
                    if carry { integer.insert(1, at: 0) }
                }
            }
        } else {
            fraction += Array(repeating: 0, count: precision - fraction.count)
        }
        let intText = integer.map(String.init).joined()
        return sign + intText + (precision > 0 ? "." + fraction.map(String.init).joined() : "")
    }

    /// `%.Ne`: `d.ddde±dd`.
    static func scientific(_ value: Double, _ precision: Int) -> String {
        if value == 0 { return (value.sign == .minus ? "-" : "") + "0" + (precision > 0 ? "." + String(repeating: "0", count: precision) : "") + "e+00" }
        let sign = value.sign == .minus ? "-" : ""
        let exact = exactDecimal(value.magnitude)
        var all = exact.integer + exact.fraction
        var exponent = exact.integer.count - 1
        while all.first == 0, all.count > 1 { all.removeFirst(); exponent -= 1 }
        var kept = Array(all.prefix(precision + 1))
        kept += Array(repeating: 0, count: max(0, precision + 1 - kept.count))
        let rest = Array(all.dropFirst(precision + 1))
        let first = rest.first ?? 0
        let roundUp = first > 5 || (first == 5 && (rest.dropFirst().contains { $0 != 0 } || kept.last! % 2 == 1))
        if roundUp {
            var i = kept.count - 1
            var carry = true
            while carry, i >= 0 {
                if kept[i] == 9 { kept[i] = 0; i -= 1 } else { kept[i] += 1; carry = false }
            }
            if carry { kept.insert(1, at: 0); kept.removeLast(); exponent += 1 }
        }
        let mantissa = String(kept[0]) + (precision > 0 ? "." + kept.dropFirst().map(String.init).joined() : "")
        let e = abs(exponent)
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
    }

    /// The exact decimal expansion of a finite non-negative double.
    static func exactDecimal(_ value: Double) -> (integer: [Int], fraction: [Int]) {
        let bits = value.bitPattern
        let exponentBits = Int((bits >> 52) & 0x7FF)
        var mantissa = bits & ((1 << 52) - 1)
        var exponent: Int
        if exponentBits == 0 { exponent = -1074 } else { mantissa |= 1 << 52; exponent = exponentBits - 1075 }
        // value = mantissa × 2^exponent, as a big decimal.
        var number = BigDecimalDigits(mantissa)
        if exponent >= 0 {
            for _ in 0..<exponent { number.multiply(2) }
            return (number.digits, [])
        }
        // Divide by 2^-exponent: multiply by 5^-exponent and shift the decimal point.
        let shift = -exponent
        for _ in 0..<shift { number.multiply(5) }
        var digits = number.digits
        if digits.count <= shift { digits = Array(repeating: 0, count: shift - digits.count + 1) + digits }
        let integer = Array(digits.prefix(digits.count - shift))
        var fraction = Array(digits.suffix(shift))
        while fraction.last == 0 { fraction.removeLast() }
        return (integer, fraction)
    }

    /// A non-negative integer as decimal digits, multiplied in place.
    struct BigDecimalDigits {
        var reversed: [Int]
        init(_ value: UInt64) {
            reversed = []
            var v = value
            repeat { reversed.append(Int(v % 10)); v /= 10 } while v > 0
        }
        mutating func multiply(_ factor: Int) {
            var carry = 0
            for i in reversed.indices {
                let product = reversed[i] * factor + carry
                reversed[i] = product % 10
                carry = product / 10
            }
            while carry > 0 { reversed.append(carry % 10); carry /= 10 }
        }
        var digits: [Int] { reversed.reversed() }
    }
}
