import Foundation
import Mustache
import SQLKit

/// A message template a plugin provides: Mustache for the subject, the text body and an optional HTML
/// body (`{{name}}` is HTML-escaped in the HTML body only).
public struct MailTemplate: Sendable {
    public var name: String
    public var subject: String
    public var text: String
    public var html: String?

    public init(_ name: String, subject: String, text: String, html: String? = nil) {
        self.name = name
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// Sends mail durably: `send` enqueues a `mail.send` job (in the caller's transaction when given one),
/// and the job hands the message to the configured transport, retrying while it fails.
public final class MailService: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case invalid([String])
        case unknownTemplate(String)
        case badTemplate(String, String)

        public var description: String {
            switch self {
            case .invalid(let problems): return "the message cannot be sent: \(problems.joined(separator: "; "))"
            case .unknownTemplate(let name): return "no mail template named '\(name)' is registered"
            case .badTemplate(let name, let error): return "mail template '\(name)' does not compile: \(error)"
            }
        }
    }

    public static let jobKind = "mail.send"

    let transport: any Mailer
    let from: String
    let templates: [String: MailTemplate]
    private let jobsBox: JobsReference

    init(transport: any Mailer, from: String, templates: [MailTemplate]) throws {
        self.transport = transport
        self.from = from
        self.templates = Dictionary(templates.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.jobsBox = JobsReference()
        for template in templates {
            for source in [template.subject, template.text, template.html ?? ""] {
                do { _ = try MustacheTemplate(string: source) } catch { throw Failure.badTemplate(template.name, "\(error)") }
            }
        }
    }

    /// The job that delivers queued mail (queue `mail`, retried with the queue's backoff).
    var job: JobDefinition {
        JobDefinition(Self.jobKind, queue: "mail", maxAttempts: 10, timeout: .seconds(120)) { [transport, from] job, _ in
            var message = try job.decode(MailMessage.self)
            if message.from == nil { message.from = from }
            try await transport.deliver(message)
        }
    }

    func attach(_ jobs: JobQueue) { jobsBox.queue = jobs }

    /// Queues `message` for delivery; pass the transaction's `sql` so it is sent only if that commits.
    public func send(_ message: MailMessage, in sql: (any SQLDatabase)? = nil) async throws {
        let problems = message.problems()
        guard problems.isEmpty else { throw Failure.invalid(problems) }
        guard let jobs = jobsBox.queue else { preconditionFailure("MailService used before the Kernel finished booting") }
        try await jobs.enqueue(Self.jobKind, payload: message, in: sql)
    }

    /// Renders a registered template with `data` and queues the result.
    public func send(template name: String, to recipients: [String], data: JSONValue, in sql: (any SQLDatabase)? = nil) async throws {
        try await send(try render(template: name, to: recipients, data: data), in: sql)
    }

    /// The message a template makes from `data`.
    public func render(template name: String, to recipients: [String], data: JSONValue) throws -> MailMessage {
        guard let template = templates[name] else { throw Failure.unknownTemplate(name) }
        let context = Self.mustacheValue(data)
        func render(_ source: String, text: Bool) throws -> String {
            try MustacheTemplate(string: (text ? "{{% CONTENT_TYPE: TEXT }}" : "") + source).render(context)
        }
        return MailMessage(to: recipients, from: nil, subject: try render(template.subject, text: true).trimmingCharacters(in: .whitespacesAndNewlines),
                           text: try render(template.text, text: true), html: try template.html.map { try render($0, text: false) })
    }

    static func mustacheValue(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let b): return b
        case .int(let i): return i
        case .double(let d): return d
        case .string(let s): return s
        case .array(let a): return a.map(mustacheValue)
        case .object(let o): return o.mapValues(mustacheValue)
        }
    }

    /// Set once at boot (the queue needs the mail job, the service needs the queue).
    private final class JobsReference: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: JobQueue?
        var queue: JobQueue? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }
}
