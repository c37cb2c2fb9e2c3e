import CEL

/// The `format` values checked; others are annotations and always pass. Checks are lenient where the RFCs are
/// baroque (email local parts, URIs) and exact where mistakes are common (calendar dates, IP addresses).
enum SchemaFormat {
    static func isValid(_ s: String, format: String) -> Bool {
        switch format {
        case "date-time": return isDateTime(s)
        case "date": return isDate(Substring(s))
        case "time": return isTime(Substring(s))
        case "email": return isEmail(s)
        case "hostname": return isHostname(Substring(s))
        case "ipv4": return isIPv4(Substring(s))
        case "ipv6": return !s.contains("%") && !s.contains("[") && s.contains(":") && IPAddress(s) != nil
        case "uuid": return isUUID(s)
        case "uri": return isURI(s, requireScheme: true)
        case "uri-reference": return isURI(s, requireScheme: false)
        case "regex": return ECMARegex(s) != nil
        default: return true
        }
    }

    private static func number(_ s: Substring, digits: Int) -> Int? {
        guard s.count == digits, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }

    private static func isDateTime(_ s: String) -> Bool {
        guard let t = s.firstIndex(where: { $0 == "T" || $0 == "t" }) else { return false }
        return isDate(s[..<t]) && isTime(s[s.index(after: t)...])
    }

    private static func isDate(_ s: Substring) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let year = number(parts[0], digits: 4), let month = number(parts[1], digits: 2),
            let day = number(parts[2], digits: 2), (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// RFC 3339 full-time: `HH:MM:SS[.frac](Z|±HH:MM)`.
    private static func isTime(_ s: Substring) -> Bool {
        var rest = s
        if rest.hasSuffix("Z") || rest.hasSuffix("z") {
            rest = rest.dropLast()
        } else if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let offset = rest[rest.index(after: sign)...]
            rest = rest[..<sign]
            let parts = offset.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let h = number(parts[0], digits: 2), let m = number(parts[1], digits: 2), h < 24, m < 60 else { return false }
        } else {
            return false
        }
        if let dot = rest.firstIndex(of: ".") {
            let fraction = rest[rest.index(after: dot)...]
            guard !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            rest = rest[..<dot]
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let h = number(parts[0], digits: 2), let m = number(parts[1], digits: 2),
            let sec = number(parts[2], digits: 2)
        else { return false }
        return h < 24 && m < 60 && sec <= 60
    }

    private static func isEmail(_ s: String) -> Bool {
        guard let at = s.lastIndex(of: "@") else { return false }
        let local = s[..<at]
        let domain = s[s.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty else { return false }
        guard !s.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else { return false }
        if !(local.hasPrefix("\"") && local.hasSuffix("\"") && local.count >= 2) {
            guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."), !local.contains(where: { "()<>[]:;@\\,\"".contains($0) })
            else { return false }
        }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let literal = domain.dropFirst().dropLast()
            if literal.lowercased().hasPrefix("ipv6:") { return IPAddress(String(literal.dropFirst(5))).map { !$0.isIPv4 } ?? false }
            return isIPv4(literal)
        }
        return isHostname(domain)
    }

    private static func isHostname(_ s: Substring) -> Bool {
        let name = s.hasSuffix(".") ? s.dropLast() : s
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0 == "-" || $0.isLetter || $0.isNumber }
        }
    }

    private static func isIPv4(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(part) else { return false }
            return value <= 255 && !(part.count > 1 && part.hasPrefix("0"))
        }
    }

    private static func isUUID(_ s: String) -> Bool {
        let chars = Array(s.utf8)
        guard chars.count == 36 else { return false }
        for (i, c) in chars.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                guard c == UInt8(ascii: "-") else { return false }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(c | 0x20) else { return false }
            }
        }
        return true
    }

    private static func isURI(_ s: String, requireScheme: Bool) -> Bool {
        let forbidden: Set<Character> = [" ", "<", ">", "\"", "{", "}", "|", "\\", "^", "`"]
        let scalars = Array(s.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            if scalar.value < 0x21 || scalar.value == 0x7F || forbidden.contains(Character(scalar)) { return false }
            if scalar == "%" {
                guard i + 2 < scalars.count, scalars[i + 1].properties.isASCIIHexDigit, scalars[i + 2].properties.isASCIIHexDigit else { return false }
            }
        }
        guard requireScheme else { return true }
        guard let colon = s.firstIndex(of: ":") else { return false }
        return SchemaURI.isScheme(s[..<colon])
    }
}
