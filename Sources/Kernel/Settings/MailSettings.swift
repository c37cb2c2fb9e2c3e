/// The `mail` block: how mail leaves (console or SMTP) and from whom.
public struct MailSettings: BlockSettings {
    /// Where mail goes. Django's backend names are accepted too (`EMAIL_BACKEND`).
    public enum Transport: String, ConfigValue, Sendable {
        /// Writes every message to the log (the development default: `make run` shows links).
        case console
        case smtp

        public static var expectation: String { "console or smtp" }
        public static func parse(configText: String) -> Result<Transport, ConfigValueError> {
            let text = configText.lowercased()
            if text == "console" || text.hasSuffix("console.emailbackend") { return .success(.console) }
            if text == "smtp" || text.hasSuffix("smtp.emailbackend") { return .success(.smtp) }
            return .failure(ConfigValueError("unknown mail transport", help: Suggestion.help(for: configText, in: ["console", "smtp"])))
        }
        public var configDescription: String { rawValue }
        public static var placeholder: Transport { .console }
    }

    /// `off`, `starttls` (upgrade a plain connection; `EMAIL_USE_TLS=true`) or `tls` (implicit TLS, port 465).
    public enum Security: String, ConfigValue, Sendable {
        case off, starttls, tls

        public static var expectation: String { "off, starttls or tls" }
        public static func parse(configText: String) -> Result<Security, ConfigValueError> {
            switch configText.lowercased() {
            case "off", "false", "no", "0", "": return .success(.off)
            case "starttls", "true", "on", "yes", "1": return .success(.starttls)
            case "tls", "ssl", "smtps": return .success(.tls)
            default: return .failure(ConfigValueError("unknown TLS mode", help: Suggestion.help(for: configText, in: ["off", "starttls", "tls"])))
            }
        }
        public var configDescription: String { rawValue }
        public static var placeholder: Security { .off }
    }

    /// `smtp { … }`.
    public struct SMTP: BlockSettings {
        public var host: String
        public var port: Int
        public var security: Security
        public var username: String
        public var password: Secret
        public var timeout: Swift.Duration
        public var verifyCertificates: Bool

        public init(from reader: SettingsReader) {
            host = reader.value("host", default: "localhost", doc: "SMTP server (EMAIL_HOST).")
            port = reader.value("port", default: 1025, doc: "SMTP port (EMAIL_PORT): 25, 587 with starttls, 465 with tls.",
                                check: { (1...65535).contains($0) ? nil : "must be a port number" })
            security = reader.value("tls", default: .off, doc: "off, starttls (EMAIL_USE_TLS=true) or tls.")
            username = reader.value("username", default: "", doc: "Login, if the server wants one (EMAIL_HOST_USER).")
            password = reader.value("password", default: Secret(""), doc: "Password (EMAIL_HOST_PASSWORD).")
            timeout = reader.value("timeout", default: .seconds(30), doc: "Longest a delivery may take.")
            verifyCertificates = reader.value("verify_certificates", default: true, doc: "Check the server's TLS certificate.")
        }
    }

    public var transport: Transport
    public var from: String
    public var smtp: SMTP

    public init(from reader: SettingsReader) {
        transport = reader.value("transport", default: .console, doc: "console (log every message) or smtp (EMAIL_BACKEND).")
        from = reader.value("from", default: "noreply@example.com", doc: "Sender of mail that does not name one (DEFAULT_FROM_EMAIL).",
                            check: { MailAddress.isValid($0) ? nil : "is not an email address" })
        smtp = reader.block("smtp", doc: "The SMTP server, when transport is smtp.")
    }
}
