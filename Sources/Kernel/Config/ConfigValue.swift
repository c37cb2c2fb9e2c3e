import Foundation

/// Why a configuration value could not be parsed.
public struct ConfigValueError: Error, Sendable {
    public var message: String
    public var help: String?
    public init(_ message: String, help: String? = nil) {
        self.message = message
        self.help = help
    }
}

/// A type a directive's value can be read as.
public protocol ConfigValue: Sendable {
    /// The expected form, for messages and docs ("a duration like 15m").
    static var expectation: String { get }
    /// Parses one (already interpolated) argument.
    static func parse(configText: String) -> Result<Self, ConfigValueError>
    /// The value written back as config text.
    var configDescription: String { get }
    /// A stand-in returned when a required value is missing (never used by a running server).
    static var placeholder: Self { get }
    /// Secrets are never printed.
    static var isSecret: Bool { get }
}

extension ConfigValue {
    public static var isSecret: Bool { false }
    /// `configDescription`, or a mask for secrets.
    public var redactedDescription: String { Self.isSecret ? "\"********\"" : configDescription }
}

extension String: ConfigValue {
    public static var expectation: String { "a string" }
    public static func parse(configText: String) -> Result<String, ConfigValueError> { .success(configText) }
    public var configDescription: String {
        let plain = !isEmpty && unicodeScalars.allSatisfy { !CharacterSet.whitespacesAndNewlines.contains($0) && !"{};#\"'$\\".unicodeScalars.contains($0) }
        if plain { return self }
        let escaped = self.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "$", with: "\\$").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
        return "\"\(escaped)\""
    }
    public static var placeholder: String { "" }
}

extension Int: ConfigValue {
    public static var expectation: String { "an integer" }
    public static func parse(configText: String) -> Result<Int, ConfigValueError> {
        let cleaned = configText.replacingOccurrences(of: "_", with: "")
        guard let value = Int(cleaned) else { return .failure(ConfigValueError("not an integer")) }
        return .success(value)
    }
    public var configDescription: String { String(self) }
    public static var placeholder: Int { 0 }
}

extension Double: ConfigValue {
    public static var expectation: String { "a number" }
    public static func parse(configText: String) -> Result<Double, ConfigValueError> {
        guard let value = Double(configText), value.isFinite else { return .failure(ConfigValueError("not a number")) }
        return .success(value)
    }
    public var configDescription: String { String(self) }
    public static var placeholder: Double { 0 }
}

extension Bool: ConfigValue {
    public static var expectation: String { "on or off" }
    public static func parse(configText: String) -> Result<Bool, ConfigValueError> {
        switch configText.lowercased() {
        case "on", "true", "yes", "1": return .success(true)
        case "off", "false", "no", "0": return .success(false)
        default: return .failure(ConfigValueError("not a boolean", help: "write on/off (true/false, yes/no and 1/0 also work)"))
        }
    }
    public var configDescription: String { self ? "on" : "off" }
    public static var placeholder: Bool { false }
}

/// An enum read by its raw value, case-insensitively, with "did you mean" for typos.
public protocol ConfigEnum: ConfigValue, CaseIterable, RawRepresentable where RawValue == String {}

extension ConfigEnum {
    public static var expectation: String { "one of " + allCases.map(\.rawValue).joined(separator: ", ") }
    public static func parse(configText: String) -> Result<Self, ConfigValueError> {
        if let value = allCases.first(where: { $0.rawValue.lowercased() == configText.lowercased() }) { return .success(value) }
        return .failure(ConfigValueError("unknown value", help: Suggestion.help(for: configText, in: allCases.map(\.rawValue))))
    }
    public var configDescription: String { rawValue }
    public static var placeholder: Self { allCases.first! }
}

/// A secret string (keys, passwords): read like a string, never printed or logged.
public struct Secret: ConfigValue, Equatable, CustomStringConvertible {
    public var value: String
    public init(_ value: String) { self.value = value }
    public static var expectation: String { "a secret string" }
    public static func parse(configText: String) -> Result<Secret, ConfigValueError> { .success(Secret(configText)) }
    public var configDescription: String { "\"********\"" }
    public static var placeholder: Secret { Secret("") }
    public static var isSecret: Bool { true }
    /// Redacted, so a secret that reaches a log line or an interpolation shows nothing.
    public var description: String { "********" }
}

extension URL: ConfigValue {
    public static var expectation: String { "a URL like https://host/path" }
    public static func parse(configText: String) -> Result<URL, ConfigValueError> {
        guard let url = URL(string: configText), let scheme = url.scheme, !scheme.isEmpty else {
            return .failure(ConfigValueError("not an absolute URL", help: "include the scheme, e.g. https://example.com"))
        }
        if ["http", "https"].contains(scheme.lowercased()), (url.host ?? "").isEmpty {
            return .failure(ConfigValueError("the URL has no host"))
        }
        return .success(url)
    }
    public var configDescription: String { absoluteString }
    public static var placeholder: URL { URL(string: "http://localhost")! }
}

extension Swift.Duration: ConfigValue {
    public static var expectation: String { "a duration like 900s, 15m, 12h or 7d (a bare number is seconds)" }

    public static func parse(configText: String) -> Result<Swift.Duration, ConfigValueError> {
        let text = configText.trimmingCharacters(in: .whitespaces).lowercased()
        if let seconds = Int64(text) {
            guard seconds >= 0 else { return .failure(ConfigValueError("durations cannot be negative")) }
            return .success(.seconds(seconds))
        }
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000)]
        var total: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { return .failure(ConfigValueError("empty duration")) }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let number = Int64(digits) else {
                return .failure(ConfigValueError("not a duration"))
            }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix(while: { $0.isLetter })
            guard let unit = units.first(where: { $0.0 == unitText }) else {
                return .failure(ConfigValueError(unitText.isEmpty ? "missing unit" : "unknown unit '\(unitText)'",
                                                 help: "use ms, s, m, h, d or w, e.g. 15m or 1h30m"))
            }
            rest = rest.dropFirst(unitText.count)
            let (product, overflow) = number.multipliedReportingOverflow(by: unit.1)
            guard !overflow, total <= Int64.max - product else { return .failure(ConfigValueError("duration too large")) }
            total += product
        }
        return .success(.milliseconds(total))
    }

    public var configDescription: String {
        var ms = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        if ms == 0 { return "0s" }
        var out = ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where ms >= size {
            out += "\(ms / size)\(unit)"
            ms %= size
        }
        return out
    }

    public static var placeholder: Swift.Duration { .zero }

    /// Whole seconds, for APIs that count in seconds.
    public var wholeSeconds: Int64 { components.seconds }
    /// Seconds as a floating-point number.
    public var timeInterval: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// A size in bytes, written `512KB`, `2MB`, `1GiB` (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024).
public struct ByteSize: ConfigValue, Comparable, Hashable {
    public var bytes: Int
    public init(bytes: Int) { self.bytes = bytes }
    public static func kilobytes(_ n: Int) -> ByteSize { ByteSize(bytes: n * 1000) }
    public static func megabytes(_ n: Int) -> ByteSize { ByteSize(bytes: n * 1_000_000) }
    public static func mebibytes(_ n: Int) -> ByteSize { ByteSize(bytes: n * 1_048_576) }

    public static var expectation: String { "a size like 512KB, 2MB or 1GiB" }
    public static func parse(configText: String) -> Result<ByteSize, ConfigValueError> {
        let text = configText.trimmingCharacters(in: .whitespaces)
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        guard let number = Int(digits) else { return .failure(ConfigValueError("not a size")) }
        let unit = text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        let factors: [String: Int] = ["": 1, "b": 1, "kb": 1000, "mb": 1_000_000, "gb": 1_000_000_000,
                                      "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "k": 1000, "m": 1_000_000, "g": 1_000_000_000]
        guard let factor = factors[unit] else {
            return .failure(ConfigValueError("unknown unit '\(unit)'", help: "use B, KB, MB, GB, KiB, MiB or GiB"))
        }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: factor)
        guard !overflow else { return .failure(ConfigValueError("size too large")) }
        return .success(ByteSize(bytes: bytes))
    }
    public var configDescription: String {
        for (unit, size) in [("GiB", 1_073_741_824), ("GB", 1_000_000_000), ("MiB", 1_048_576), ("MB", 1_000_000), ("KiB", 1024), ("KB", 1000)]
        where bytes >= size && bytes % size == 0 {
            return "\(bytes / size)\(unit)"
        }
        return "\(bytes)B"
    }
    public static var placeholder: ByteSize { ByteSize(bytes: 0) }
    public static func < (a: ByteSize, b: ByteSize) -> Bool { a.bytes < b.bytes }
}

/// `host:port`, `[::1]:port` or `:port` (all interfaces).
public struct HostPort: ConfigValue, Hashable {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public static var expectation: String { "host:port, e.g. 127.0.0.1:8000" }
    public static func parse(configText: String) -> Result<HostPort, ConfigValueError> {
        var text = Substring(configText)
        var host: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(ConfigValueError("unclosed '[' in IPv6 address")) }
            host = text[text.index(after: text.startIndex)..<close]
            text = text[text.index(after: close)...]
            guard text.hasPrefix(":") else { return .failure(ConfigValueError("missing ':port'")) }
            text = text.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(ConfigValueError("missing ':port'", help: "write host:port, e.g. 127.0.0.1:8000"))
            }
            host = text[..<colon]
            text = text[text.index(after: colon)...]
        }
        guard let port = Int(text), (0...65535).contains(port) else {
            return .failure(ConfigValueError("the port must be a number from 0 to 65535"))
        }
        if host.isEmpty { host = "0.0.0.0" }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || ".-:_".contains($0) }) else {
            return .failure(ConfigValueError("'\(host)' is not a host name or address"))
        }
        return .success(HostPort(host: String(host), port: port))
    }
    public var configDescription: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    public static var placeholder: HostPort { HostPort(host: "127.0.0.1", port: 0) }
}
