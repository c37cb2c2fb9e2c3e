import Foundation

/// Ids as text, written and read directly: Foundation formats a UUID through `snprintf` and parses one
/// through `sscanf`, and a request handles several ids.
extension UUID {
    /// Lower-case canonical text (`8-4-4-4-12` hex digits), the way ids appear in JSON and URLs.
    public var lowercasedString: String { text(digits: Self.hexDigits) }

    /// Upper-case canonical text, as `uuidString` writes it.
    public var uppercasedString: String { text(digits: Self.upperHexDigits) }

    private func text(digits: [UInt8]) -> String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                var at = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    text[at] = digits[Int(bytes[index] >> 4)]
                    text[at + 1] = digits[Int(bytes[index] & 0x0F)]
                    at += 2
                }
                return 36
            }
        }
    }

    /// Reads canonical text (`8-4-4-4-12` hex digits, either case), what `UUID(uuidString:)` accepts;
    /// `nil` for anything else.
    public init?(canonical text: String) {
        var text = text
        guard let bytes = text.withUTF8(Self.parse) else { return nil }
        self.init(uuid: bytes)
    }

    /// As `init?(canonical: String)`, for a substring or other string view.
    public init?(canonical text: some StringProtocol) {
        self.init(canonical: String(text))
    }

    /// The 16 bytes of canonical text, read in place: a concrete function over the UTF-8 bytes, as a
    /// generic walk over a `StringProtocol` costs a witness call per character outside this module.
    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        guard utf8.count == 36 else { return nil }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
            var at = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    guard utf8[at] == UInt8(ascii: "-") else { return false }
                    at += 1
                }
                guard let high = hexValue(utf8[at]), let low = hexValue(utf8[at + 1]) else { return false }
                out[index] = high << 4 | low
                at += 2
            }
            return true
        }
        return parsed ? bytes : nil
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let upperHexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
