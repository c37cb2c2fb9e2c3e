import Foundation
import Kernel
import SQLKit

/// Single-use, expiring secrets mailed as links (verify an address, reset a password) or handed out
/// between two login steps (MFA). Stored as hashes; issuing a new one of a purpose voids the user's older
/// ones; using one is a conditional update, so it works once even under concurrent requests.
struct OneTimeTokens: Sendable {
    enum Purpose: String, Sendable {
        case verifyEmail = "verify_email"
        case resetPassword = "reset_password"
        case mfaLogin = "mfa_login"
    }

    func issue(_ purpose: Purpose, userID: UUID, ttl: Duration, in sql: any SQLDatabase) async throws -> String {
        let now = Date()
        try await sql.raw("""
            UPDATE auth_one_time_tokens SET used_at = \(bind: now)
            WHERE user_id = \(bind: userID) AND purpose = \(bind: purpose.rawValue) AND used_at IS NULL
            """).run()
        let token = OpaqueToken.make()
        try await sql.raw("""
            INSERT INTO auth_one_time_tokens (token_hash, user_id, purpose, created_at, expires_at)
            VALUES (\(bind: OpaqueToken.hash(token)), \(bind: userID), \(bind: purpose.rawValue), \(bind: now), \(bind: now.addingTimeInterval(ttl.seconds)))
            """).run()
        return token
    }

    /// Spends `token`: the user it was issued to, or `nil` when it is unknown, used, expired or of another
    /// purpose.
    func redeem(_ token: String, _ purpose: Purpose, in sql: any SQLDatabase) async throws -> UUID? {
        guard OpaqueToken.isWellFormed(token) else { return nil }
        let now = Date()
        return try await sql.raw("""
            UPDATE auth_one_time_tokens SET used_at = \(bind: now)
            WHERE token_hash = \(bind: OpaqueToken.hash(token)) AND purpose = \(bind: purpose.rawValue) AND used_at IS NULL AND expires_at > \(bind: now)
            RETURNING user_id
            """).first()?.decode(column: "user_id", as: UUID.self)
    }

    /// The user of a live token without spending it.
    func peek(_ token: String, _ purpose: Purpose, in sql: any SQLDatabase) async throws -> UUID? {
        guard OpaqueToken.isWellFormed(token) else { return nil }
        return try await sql.raw("""
            SELECT user_id FROM auth_one_time_tokens
            WHERE token_hash = \(bind: OpaqueToken.hash(token)) AND purpose = \(bind: purpose.rawValue) AND used_at IS NULL AND expires_at > \(bind: Date())
            """).first()?.decode(column: "user_id", as: UUID.self)
    }
}
