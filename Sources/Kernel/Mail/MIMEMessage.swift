import Foundation

/// Renders a `MailMessage` as RFC 5322 text with MIME parts (text, and HTML as an alternative), every
/// body base64-encoded and non-ASCII headers as RFC 2047 encoded words.
enum MIMEMessage {
    static func render(_ message: MailMessage, from: String, date: Date = Date(), messageID: String = UUID().lowercasedString) -> String {
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        var headers = [
            "Date: \(rfc5322Date(date))",
            "From: \(from)",
            "To: \(message.to.joined(separator: ", "))",
            "Subject: \(encodedWord(message.subject))",
            "Message-ID: <\(messageID)@\(domain)>",
            "MIME-Version: 1.0",
        ]
        if let replyTo = message.replyTo { headers.append("Reply-To: \(replyTo)") }
        var body: [String] = []
        if let html = message.html {
            let boundary = "lintel-\(UUID().lowercasedString)"
            headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            body += ["--\(boundary)", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", base64Lines(message.text)]
            body += ["--\(boundary)", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", "", base64Lines(html)]
            body.append("--\(boundary)--")
        } else {
            headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"]
            body.append(base64Lines(message.text))
        }
        return (headers + [""] + body).joined(separator: "\r\n") + "\r\n"
    }

    /// `=?UTF-8?B?…?=` when the text is not plain ASCII.
    static func encodedWord(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { !$0.isASCII || $0.value < 0x20 }) else { return text }
        return "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    static func base64Lines(_ text: String) -> String {
        Data(text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss +0000"
        return formatter.string(from: date)
    }
}
