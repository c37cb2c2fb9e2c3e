import Foundation
import Kernel
import SQLKit

/// What auth.local provides to other plugins through the Kernel's protocols: passwords (tenancy's
/// invitations and admin-created users) and impersonation tokens.
struct LocalPasswordCredentials: PasswordCredentials {
    let service: LocalAuthService

    func problem(with password: String, email: String) -> String? { service.passwordPolicy.problem(with: password, email: email) }

    func hash(_ password: String) async throws -> String { try await service.hasher.hash(password) }

    func store(hash: String, userID: UUID, in sql: any SQLDatabase) async throws { try await service.setPassword(hash, for: userID, in: sql) }
}

/// Impersonation tokens: a session of the user that has no refresh token and whose `amr` says
/// `impersonation` (never `mfa`: the admin passed no second factor of the user's), and an access token
/// naming the admin in `act`.
struct LocalImpersonationTokens: ImpersonationTokens {
    let service: LocalAuthService

    func issue(for user: UserAccount, impersonator: String, ttl: Duration, in sql: any SQLDatabase) async throws -> IssuedToken {
        let (session, _) = try await service.sessions.start(userID: user.id, amr: ["impersonation"], client: "-", userAgent: "impersonation by \(impersonator)",
                                                            refreshable: false, in: sql)
        let now = Date()
        let token = try service.issuer.mint(user: user, affiliation: try await service.directory.affiliation(userID: user.id, in: sql), session: session,
                                            impersonator: impersonator, lifetime: ttl, now: now)
        return IssuedToken(token: token, expiresAt: now.addingTimeInterval(Double(Int(ttl.seconds))))
    }
}

extension LocalAuthService {
    /// Ends every session of a user deactivated by an admin (`user.deleted`), so their refresh tokens stop
    /// working too; the access tokens are refused at once here and within `session_check_interval` on
    /// other processes (their user is no longer active).
    var deactivationSubscription: EventSubscription {
        EventSubscription("auth.local.deactivated_users", events: ["user.deleted"]) { [self] event, delivery in
            guard let id = event.payload["user"]?["id"]?.stringValue.flatMap({ UUID(canonical: $0) }) else { return }
            let ended = try await sessions.revokeAll(userID: id, reason: "user_deactivated", in: delivery.sql)
            Database.afterCommit { [self] in self.ended(ended) }
        }
    }
}
