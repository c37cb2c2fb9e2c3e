import Auth
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import NIOCore
import Tenancy

/// Boots a kernel with tenancy and auth.local (plus what a test adds) on a scratch database.
enum AuthSite {
    /// `local`: directives for `plugin auth.local { … }`; `extra`: further site.conf text.
    static func withKernel<T: Sendable>(
        local: String = "email_verification_required off",
        extra: String = "",
        plugins: [any Plugin.Type] = [],
        _ body: @escaping @Sendable (Kernel, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let conf = """
            jobs {
                poll_interval 100ms
                backoff_base 100ms
                backoff_max 300ms
            }
            plugin tenancy {}
            plugin auth.local {
                issuer https://lintel.test
                \(local)
            }
            \(extra)
            """
        return try await TestSite.withKernel(conf, plugins: [TenancyPlugin.self, LocalAuthPlugin.self] + plugins, body)
    }

    /// Boots a kernel with tenancy and auth.keycloak pointed at `double` (`keycloak`: more directives for
    /// its block), and auth.local too when `local` (hybrid).
    static func withKeycloak<T: Sendable>(
        _ double: KeycloakDouble,
        keycloak: String = "",
        local: Bool = false,
        logs: LogSink = .capture(),
        _ body: @escaping @Sendable (Kernel, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let conf = """
            plugin tenancy {}
            plugin auth.keycloak {
                server_url \(double.serverURL)
                realm \(double.realm)
                client_id api
                \(keycloak)
            }
            \(local ? "plugin auth.local {\n    issuer https://lintel.test\n    email_verification_required off\n}" : "")
            """
        let plugins: [any Plugin.Type] = [TenancyPlugin.self, KeycloakPlugin.self] + (local ? [LocalAuthPlugin.self] : [])
        return try await TestSite.withKernel(conf, plugins: plugins, logs: logs, body)
    }

    /// A site.conf `mail` block that delivers to `sink`.
    static func mail(to sink: SMTPSink) -> String {
        "mail {\n    transport smtp\n    from lintel@example.com\n    smtp {\n        host 127.0.0.1\n        port \(sink.port)\n    }\n}"
    }
}

/// The text parts of a raw MIME message, decoded (base64 bodies).
func mailText(_ raw: String) -> String {
    raw.components(separatedBy: "\r\n\r\n").dropFirst().compactMap { part in
        let body = part.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
        return Data(base64Encoded: body).map { String(decoding: $0, as: UTF8.self) }
    }.joined(separator: "\n")
}

/// The `token` query parameter of the first link in `text` whose path ends with `path`.
func linkToken(in text: String, path: String) -> String? {
    guard let range = text.range(of: path + "?token=") else { return nil }
    return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
}
