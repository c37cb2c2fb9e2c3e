import Foundation
import Kernel
@testable import LintelTesting
import Testing

@Suite("mail: console and SMTP transports, durable sending")
struct MailTests {
    static let fastJobs = "jobs {\n    backoff_base 100ms\n    backoff_max 300ms\n    poll_interval 100ms\n}\nplugin test.notes { }\n"

    /// Base64 bodies of a MIME message, decoded.
    func decodedParts(_ raw: String) -> [String] {
        raw.components(separatedBy: "\r\n\r\n").dropFirst().compactMap { part in
            let body = part.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
            return Data(base64Encoded: body).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test func templatesRenderTextWithoutEscapingAndHTMLWithEscaping() async throws {
        try await TestSite.withKernel("jobs { workers off }\nplugin test.notes { }", plugins: [NotesPlugin.self]) { kernel, _ in
            let message = try kernel.mail.render(template: "welcome", to: ["ada@example.com"],
                                                 data: ["name": "Ada <Lovelace>", "link": "https://app.example.com/verify?token=a&b"])
            #expect(message.subject == "Welcome, Ada <Lovelace>")
            #expect(message.text == "Hello Ada <Lovelace>,\nverify at https://app.example.com/verify?token=a&b\n")
            #expect(message.html == "<p>Hello Ada &lt;Lovelace&gt;, <a href=\"https://app.example.com/verify?token=a&amp;b\">verify</a></p>")
        }
    }

    @Test func theConsoleTransportLogsTheWholeMessage() async throws {
        let logs = LogSink.capture()
        try await TestSite.withKernel(Self.fastJobs, plugins: [NotesPlugin.self], logs: logs) { kernel, _ in
            try await kernel.mail.send(template: "welcome", to: ["ada@example.com"], data: ["name": "Ada", "link": "http://localhost:8000/verify?t=xyz"])
            try await eventually("the mail job ran") {
                logs.captured.contains { $0.contains("mail (console transport)") }
            }
            let line = try #require(logs.captured.first { $0.contains("mail (console transport)") })
            #expect(line.contains("http://localhost:8000/verify?t=xyz"))
            #expect(line.contains("ada@example.com"))
        }
    }

    @Test func invalidMessagesAreRefusedBeforeTheyAreQueued() async throws {
        try await TestSite.withKernel("jobs { workers off }\nplugin test.notes { }", plugins: [NotesPlugin.self]) { kernel, _ in
            await #expect(throws: MailService.Failure.self) {
                try await kernel.mail.send(MailMessage(to: ["not-an-address"], subject: "x", text: "y"))
            }
            await #expect(throws: MailService.Failure.self) {
                try await kernel.mail.send(MailMessage(to: ["a@example.com"], subject: "x\r\nBcc: victim@example.com", text: "y"))
            }
            let queued = try await kernel.count("SELECT COUNT(*) AS n FROM lintel_jobs WHERE kind = 'mail.send'")
            #expect(queued == 0)
        }
    }

    @Test func mailReachesARealSMTPServer() async throws {
        let sink = SMTPSink()
        try await sink.start()
        let conf = Self.fastJobs + "mail {\n    transport smtp\n    from lintel@example.com\n    smtp {\n        host 127.0.0.1\n        port \(sink.port)\n    }\n}"
        try await TestSite.withKernel(conf, plugins: [NotesPlugin.self]) { kernel, _ in
            try await kernel.mail.send(template: "welcome", to: ["ada@example.com", "grace@example.com"],
                                       data: ["name": "Ada Lovelace", "link": "https://app.example.com/verify?token=abc"])
            try await eventually("the message arrives") { !sink.messages().isEmpty }
            let message = try #require(sink.messages().first)
            #expect(message.recipients == ["ada@example.com", "grace@example.com"])
            #expect(message.raw.contains("From: lintel@example.com\r\n"))
            #expect(message.raw.contains("To: ada@example.com, grace@example.com\r\n"))
            #expect(message.raw.contains("Subject: Welcome, Ada Lovelace\r\n"))
            #expect(message.raw.contains("Content-Type: multipart/alternative;"))
            let parts = decodedParts(message.raw)
            #expect(parts.contains("Hello Ada Lovelace,\nverify at https://app.example.com/verify?token=abc\n"))
            #expect(parts.contains { $0.contains("<a href=\"https://app.example.com/verify?token=abc\">") })
        }
        sink.stop()
    }

    @Test func mailIsRetriedWhileTheSMTPServerIsDown() async throws {
        let sink = SMTPSink()
        let conf = Self.fastJobs + "mail {\n    transport smtp\n    smtp {\n        host 127.0.0.1\n        port \(sink.port)\n        timeout 2s\n    }\n}"
        try await TestSite.withKernel(conf, plugins: [NotesPlugin.self]) { kernel, _ in
            try await kernel.mail.send(MailMessage(to: ["ada@example.com"], subject: "Ünïcode subject", text: "while you were away"))
            try await eventually("delivery fails at least twice") {
                (try await kernel.database.read { sql in
                    try await sql.raw("SELECT attempts FROM lintel_jobs WHERE kind = 'mail.send'").first()?.decode(column: "attempts", as: Int.self)
                } ?? 0) >= 2
            }
            try await sink.start()
            try await eventually("the message arrives once the server is up") { !sink.messages().isEmpty }
            let message = try #require(sink.messages().first)
            #expect(message.raw.contains("Subject: =?UTF-8?B?"))
            #expect(decodedParts(message.raw).contains("while you were away"))
            let history = try await kernel.strings("SELECT history FROM lintel_jobs WHERE kind = 'mail.send'", column: "history")
            #expect(history.first?.contains("SMTP delivery to 127.0.0.1:\(sink.port) failed") == true)
            try await eventually("the job is recorded as succeeded") {
                try await kernel.count("SELECT COUNT(*) AS n FROM lintel_jobs WHERE kind = 'mail.send' AND state = 'succeeded'") == 1
            }
        }
        sink.stop()
    }
}
