import Foundation
import Kernel
import Logging
import SQLKit

/// Everything auth.local does, shared by its routes and its authenticator.
final class LocalAuthService: Sendable {
    let settings: LocalAuthSettings
    let database: Database
    let directory: any Directory
    let events: EventBus
    let mail: MailService
    let rateLimits: any RateLimitStore
    let logger: Logger
    let hasher: PasswordHasher
    let passwordPolicy: PasswordPolicy
    let keys: SigningKeyStore
    let issuer: AccessTokenIssuer
    let sessions: SessionStore
    let oneTimeTokens = OneTimeTokens()
    let factors: SecondFactors
    let guardrail: LoginGuard
    let liveness: Liveness<UUID>
    /// Whether a user has a password here and a second factor, for `/auth/me`.
    let accountFacts: ReadThroughCache<UUID, AccountFacts>
    let authenticator: LocalAuthenticator

    init(settings: LocalAuthSettings, context: PluginContext) async throws {
        self.settings = settings
        database = context.database
        directory = try context.services.require((any Directory).self, by: LocalAuthPlugin.id.rawValue)
        events = context.events
        mail = context.mail
        rateLimits = context.rateLimits
        logger = context.logger
        hasher = try PasswordHasher(parameters: settings.password.hashing)
        passwordPolicy = PasswordPolicy(minLength: settings.password.minLength, maxLength: settings.password.maxLength,
                                        extraCommonPasswords: try settings.password.commonPasswords.map(PasswordPolicy.readList) ?? [])
        let secret = context.site.security.secretKey.value
        keys = try SigningKeyStore(database: context.database, secret: secret, configuredKeyPath: settings.signingKey, retention: settings.keyRetention)
        try await keys.load()
        let issuerName = settings.issuer ?? context.site.server.publicURL.absoluteString.trimmingSuffix("/")
        issuer = AccessTokenIssuer(issuer: issuerName, audience: settings.audience, ttl: settings.accessTokenTTL, keys: keys)
        sessions = SessionStore(refreshTTL: settings.refreshTokenTTL)
        factors = SecondFactors(secret: secret)
        guardrail = LoginGuard(maxFailures: settings.maxFailedAttempts, accountThreshold: settings.accountLockoutThreshold,
                               lockout: settings.lockoutDuration, secret: secret)
        liveness = .sessions(interval: settings.sessionCheckInterval, database: context.database, directory: directory)
        accountFacts = ReadThroughCache(interval: settings.sessionCheckInterval)
        authenticator = LocalAuthenticator(checks: ClaimChecks(issuer: issuerName, audiences: [settings.audience], acceptAuthorizedParty: false),
                                           keys: keys, liveness: liveness)
    }

    /// A link into the frontend carrying `token`.
    func link(_ path: String, token: String) -> String {
        var components = URLComponents(url: settings.frontendURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "token", value: token)]
        return components?.string ?? settings.frontendURL.absoluteString
    }

    /// Mints an access token for a session just started or refreshed.
    func accessToken(for user: UserAccount, session: SessionStore.Session, in sql: any SQLDatabase) async throws -> String {
        try issuer.mint(user: user, affiliation: try await directory.affiliation(userID: user.id, in: sql), session: session)
    }

    /// Ends sessions and makes this process refuse their access tokens at once.
    func ended(_ sessions: [UUID]) { liveness.ended(sessions) }
}

extension AppRequestContext {
    /// The event origin of what this request does (`actor` when the actor is not the principal yet).
    func origin(actor: UUID? = nil) -> EventOrigin {
        var origin = eventOrigin
        if let actor { origin.actorID = actor.lowercasedString }
        return origin
    }
}

/// What auth.local knows of an account: a password here, a confirmed second factor.
struct AccountFacts: Sendable {
    let hasPassword: Bool
    let hasMFA: Bool

    var pair: (Bool, Bool) { (hasPassword, hasMFA) }
}
