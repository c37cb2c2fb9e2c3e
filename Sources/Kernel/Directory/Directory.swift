import Foundation
import SQLKit

/// The users of the deployment, provided by the tenancy plugin and used by the authenticators.
///
/// Every call takes the connection of the caller's transaction, so an account change and the caller's
/// own writes (a password hash, a refresh token) and their events commit together or not at all.
public protocol Directory: Sendable {
    /// The account with `id`, whatever its status.
    func user(id: UUID, in sql: any SQLDatabase) async throws -> UserAccount?
    /// The account with this address (compared case-insensitively), whatever its status.
    func user(email: String, in sql: any SQLDatabase) async throws -> UserAccount?
    /// Creates an account and emits `user.created`. Throws `DirectoryError.emailTaken` when the address is
    /// in use.
    func createUser(_ user: NewUserAccount, origin: EventOrigin, in sql: any SQLDatabase) async throws -> UserAccount
    /// Marks the address as verified (emits `user.updated` when it changes).
    func markEmailVerified(userID: UUID, origin: EventOrigin, in sql: any SQLDatabase) async throws
    /// Records a successful sign-in.
    func recordLogin(userID: UUID, at date: Date, in sql: any SQLDatabase) async throws
    /// The account an external identity maps to, created just in time on first sight (`user.created`) and
    /// kept current (address, name) afterwards (`user.updated`).
    func user(for identity: ExternalIdentity, origin: EventOrigin, in sql: any SQLDatabase) async throws -> UserAccount
    /// The user's default organization and teams.
    func affiliation(userID: UUID, in sql: any SQLDatabase) async throws -> UserAffiliation
    /// The account for read-only views on every request (a profile): as read at most a few seconds ago,
    /// changes made by this process applying at once. Never use it to decide a write.
    func recentUser(id: UUID) async throws -> UserAccount?
}

public enum DirectoryError: Error, Equatable, CustomStringConvertible {
    case emailTaken

    public var description: String {
        switch self {
        case .emailTaken: "an account with this email address exists"
        }
    }
}
