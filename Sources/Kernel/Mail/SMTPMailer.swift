import CCurl
import Foundation
import NIOPosix

/// Sends mail to an SMTP server through libcurl (plain, STARTTLS or implicit TLS, optional login).
public struct SMTPMailer: Mailer {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let settings: MailSettings.SMTP
    let defaultFrom: String

    public init(settings: MailSettings.SMTP, defaultFrom: String) {
        self.settings = settings
        self.defaultFrom = defaultFrom
    }

    public func deliver(_ message: MailMessage) async throws {
        let from = message.from ?? defaultFrom
        let text = MIMEMessage.render(message, from: from)
        let settings = self.settings
        // libcurl blocks its thread for the whole conversation: run it on the network threads.
        try await NetworkThreads.pool.runIfActive {
            try Self.send(text: text, from: from, to: message.to, settings: settings)
        }
    }

    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ text: String) { bytes = Array(text.utf8) }
    }

    private static func send(text: String, from: String, to: [String], settings: MailSettings.SMTP) throws {
        _ = Curl.initialized
        guard let handle = curl_easy_init() else { throw Failure(description: "libcurl could not start a session") }
        defer { curl_easy_cleanup(handle) }
        var recipients: UnsafeMutablePointer<curl_slist>?
        for address in to { recipients = curl_slist_append(recipients, "<\(address)>") }
        defer { curl_slist_free_all(recipients) }
        let upload = Upload(text)
        let scheme = settings.security == .tls ? "smtps" : "smtp"
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        func check(_ code: CURLcode) throws {
            guard code == CURLE_OK else { throw Failure(description: "libcurl option failed: \(String(cString: curl_easy_strerror(code)))") }
        }
        try check(lintel_curl_set_string(handle, CURLOPT_URL, "\(scheme)://\(settings.host):\(settings.port)"))
        try check(lintel_curl_set_string(handle, CURLOPT_MAIL_FROM, "<\(from)>"))
        try check(lintel_curl_set_pointer(handle, CURLOPT_MAIL_RCPT, recipients))
        try check(lintel_curl_set_long(handle, CURLOPT_UPLOAD, 1))
        try check(lintel_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(settings.timeout.timeInterval * 1000)))
        try check(lintel_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(lintel_curl_set_long(handle, CURLOPT_USE_SSL, Int(settings.security == .off ? CURLUSESSL_NONE.rawValue : CURLUSESSL_ALL.rawValue)))
        if !settings.verifyCertificates {
            try check(lintel_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 0))
            try check(lintel_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 0))
        }
        if !settings.username.isEmpty {
            try check(lintel_curl_set_string(handle, CURLOPT_USERNAME, settings.username))
            try check(lintel_curl_set_string(handle, CURLOPT_PASSWORD, settings.password.value))
        }
        try check(lintel_curl_set_read_function(handle) { buffer, size, count, context in
            guard let buffer, let context else { return 0 }
            let upload = Unmanaged<Upload>.fromOpaque(context).takeUnretainedValue()
            let length = min(size * count, upload.bytes.count - upload.offset)
            guard length > 0 else { return 0 }
            upload.bytes.withUnsafeBufferPointer { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + upload.offset, byteCount: length)
            }
            upload.offset += length
            return length
        })
        let retained = Unmanaged.passRetained(upload)
        defer { retained.release() }
        try check(lintel_curl_set_pointer(handle, CURLOPT_READDATA, retained.toOpaque()))
        let result = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            _ = lintel_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            return curl_easy_perform(handle)
        }
        guard result == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(description: "SMTP delivery to \(settings.host):\(settings.port) failed: "
                + (detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail))
        }
    }
}
