import Foundation
import SQLKit

/// Passwords, for plugins that create accounts (tenancy's invitations and admin-created users); provided
/// by auth.local, which alone holds password hashes.
public protocol PasswordCredentials: Sendable {
    /// Why `password` is refused for the account with `email` (too short, too common, …), or `nil`.
    func problem(with password: String, email: String) -> String?
    /// The stored form of `password` (slow on purpose: call it before opening a transaction).
    func hash(_ password: String) async throws -> String
    /// Stores `hash` as the user's password, replacing any, in the caller's transaction.
    func store(hash: String, userID: UUID, in sql: any SQLDatabase) async throws
}

/// Short-lived tokens that let a platform admin act as a user; provided by auth.local. The token carries
/// the admin in an RFC 8693 `act` claim, has no refresh token, and every request made with it is marked.
public protocol ImpersonationTokens: Sendable {
    func issue(for user: UserAccount, impersonator: String, ttl: Duration, in sql: any SQLDatabase) async throws -> IssuedToken
}

public struct IssuedToken: Sendable {
    public var token: String
    public var expiresAt: Date

    public init(token: String, expiresAt: Date) {
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// Organizations' license tiers, for plugins that change them (billing); provided by tenancy.
public protocol Licensing: Sendable {
    /// The tier names this deployment knows, lowest first.
    var tierNames: [String] { get }
    /// The org's tier, or `nil` for an unknown (or deleted) org.
    func tier(of orgID: UUID, in sql: any SQLDatabase) async throws -> String?
    /// Moves the org to `tier` (emits `license.updated`); throws for an unknown tier or org.
    func setTier(_ tier: String, of orgID: UUID, origin: EventOrigin, in sql: any SQLDatabase) async throws
}
