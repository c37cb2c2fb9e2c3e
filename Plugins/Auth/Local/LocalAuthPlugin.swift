import Kernel
import Logging
import ServiceLifecycle

/// `auth.local`: accounts with an email address and a password, and the tokens Lintel issues for them.
public struct LocalAuthPlugin: Plugin {
    public typealias Settings = LocalAuthSettings

    public static let id: PluginID = "auth.local"
    public static let summary = "Email + password accounts: Argon2id, RS256 access tokens, rotating refresh tokens, lockout, email flows, TOTP."
    public static let requires: [PluginID] = ["tenancy"]
    public static let migrations = LocalAuthMigrations.all
    public static let mailTemplates = LocalAuthMail.templates

    let service: LocalAuthService

    public init(settings: LocalAuthSettings, context: PluginContext) async throws {
        service = try await LocalAuthService(settings: settings, context: context)
        try context.services.register(LocalPasswordCredentials(service: service), as: (any PasswordCredentials).self, by: Self.id.rawValue)
        try context.services.register(LocalImpersonationTokens(service: service), as: (any ImpersonationTokens).self, by: Self.id.rawValue)
    }

    public func eventSubscriptions() -> [EventSubscription] { [service.deactivationSubscription] }

    public var routePrefix: String { "" }

    public func routes(_ routes: Routes) { service.addRoutes(to: routes) }

    public func authenticators() -> [any Authenticator] { [service.authenticator] }

    public func services() -> [any Service] { [SigningKeyRefresher(keys: service.keys, logger: service.logger)] }
}

/// Reloads the signing keys every minute, so a `lintel keys rotate` reaches every running process.
struct SigningKeyRefresher: Service {
    let keys: SigningKeyStore
    let logger: Logger
    static let period = Duration.seconds(60)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: Self.period)
                do { try await keys.load() } catch { logger.error("reloading signing keys failed", metadata: ["error": "\(error)"]) }
            }
        }
    }
}
