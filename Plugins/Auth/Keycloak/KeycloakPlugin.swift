import Foundation
import Kernel
import Logging
import ServiceLifecycle

/// `auth.keycloak`: accepts access tokens of a Keycloak realm; with auth.local, both kinds of token work
/// on every route (hybrid).
public struct KeycloakPlugin: Plugin {
    public typealias Settings = KeycloakSettings

    public static let id: PluginID = "auth.keycloak"
    public static let summary = "Keycloak (OIDC) access tokens: realm keys from discovery, audience and type checks, just-in-time users."
    public static let requires: [PluginID] = ["tenancy"]

    let keys: RealmKeys
    let authenticator: KeycloakAuthenticator
    let settings: KeycloakSettings

    public init(settings: KeycloakSettings, context: PluginContext) async throws {
        self.settings = settings
        keys = RealmKeys(issuer: settings.issuer, timeout: settings.timeout, spacing: settings.unknownKeyRefreshSpacing, logger: context.logger)
        authenticator = KeycloakAuthenticator(settings: settings, keys: keys, database: context.database,
                                              directory: try context.services.require((any Directory).self, by: Self.id.rawValue))
        // Keycloak being down does not stop Lintel: its tokens are refused until the keys arrive, and
        // readiness says why.
        await keys.refresh(force: true)
    }

    public func authenticators() -> [any Authenticator] { [authenticator] }

    public func services() -> [any Service] { [RealmKeyRefresher(keys: keys, interval: settings.keyRefreshInterval)] }

    /// Failing key fetches: critical while no key was ever fetched (every Keycloak token is refused),
    /// a warning while the last known keys still serve.
    public func alertSources() -> [AlertSource] {
        [AlertSource(Self.id.rawValue) { [keys, settings] in
            guard let failure = keys.failure else { return [] }
            let never = keys.health.fetchedAt == nil
            return [Alert(id: "keycloak.jwks", severity: never ? .critical : .warning, title: "Identity provider keys unavailable",
                          detail: "Fetching the signing keys of \(settings.issuer) fails: \(failure.error)." + (never ? " Keycloak tokens are refused until it works." : " The keys fetched earlier still serve; a rotation on the Keycloak side would not be seen."),
                          since: failure.since, link: "/api/v1/health/ready", source: Self.id.rawValue)]
        }]
    }

    public func healthChecks() -> [HealthCheck] {
        [HealthCheck("keycloak_keys") { [keys] in
            let (fetched, error) = keys.health
            if fetched == nil { throw RealmKeys.FetchError(description: "the realm's keys were never fetched: \(error ?? "not tried yet")") }
        }]
    }
}

/// Fetches the realm's keys every interval, so a rotation on the Keycloak side needs no restart.
struct RealmKeyRefresher: Service {
    let keys: RealmKeys
    let interval: Duration

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await keys.refresh(force: true)
            }
        }
    }
}
