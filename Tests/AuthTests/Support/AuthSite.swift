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
        sink.mailBlock
    }
}

