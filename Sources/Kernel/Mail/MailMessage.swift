import Foundation

/// A message to send: plain text, optionally with an HTML alternative.
public struct MailMessage: Sendable, Codable, Equatable {
    public var to: [String]
    public var from: String?
    public var replyTo: String?
    public var subject: String
    public var text: String
    public var html: String?

    public init(to: [String], from: String? = nil, replyTo: String? = nil, subject: String, text: String, html: String? = nil) {
        self.to = to
        self.from = from
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
    }

    /// Problems that make the message unsendable (bad addresses, header injection, no recipient).
    public func problems() -> [String] {
        var problems: [String] = []
        if to.isEmpty { problems.append("the message has no recipient") }
        for address in to + [from, replyTo].compactMap({ $0 }) where !MailAddress.isValid(address) {
            problems.append("'\(address)' is not an email address")
        }
        if subject.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) { problems.append("the subject contains a line break") }
        return problems
    }
}

/// Email address checks: deliberately simple (one `@`, a dot-less local part allowed, no spaces or
/// line breaks), since the only real test of an address is a message reaching it.
public enum MailAddress {
    public static func isValid(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              address.count <= 254 else { return false }
        return !address.contains { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == "\"" }
    }
}
