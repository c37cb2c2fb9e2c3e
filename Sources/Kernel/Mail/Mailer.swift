import Logging

/// A mail transport: hands a message to its destination. The Kernel's `MailService` calls it from the
/// `mail.send` job, so a failed delivery is retried and survives a restart.
public protocol Mailer: Sendable {
    func deliver(_ message: MailMessage) async throws
}

/// Writes each message, whole, to the log: the development transport (links in mails appear in the
/// terminal of `make run`).
public struct ConsoleMailer: Mailer {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func deliver(_ message: MailMessage) async throws {
        logger.info("mail (console transport)", metadata: [
            "to": .array(message.to.map { .string($0) }),
            "from": .string(message.from ?? ""),
            "subject": .string(message.subject),
            "text": .string(message.text),
        ])
    }
}
