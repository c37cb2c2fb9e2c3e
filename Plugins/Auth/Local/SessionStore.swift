import Foundation
import Kernel
import SQLKit

/// Sign-in sessions and their refresh tokens (a *family*: each refresh replaces the token with the next
/// generation). A token that was already exchanged and comes back means someone kept a copy: the whole
/// session is revoked (OAuth 2.0 Security BCP, refresh token rotation), and the holder of the newest token
/// must sign in again too.
struct SessionStore: Sendable {
    struct Session: Sendable {
        let id: UUID
        let userID: UUID
        let amr: [String]
    }

    enum Exchange: Sendable {
        case rotated(Session, refreshToken: String)
        case invalid
        case reused(Session)
    }

    let refreshTTL: Duration

    /// Starts a session and returns its first refresh token (none when not `refreshable`: impersonation).
    func start(userID: UUID, amr: [String], client: String, userAgent: String, refreshable: Bool = true,
               in sql: any SQLDatabase) async throws -> (Session, String?) {
        let session = Session(id: UUID.v7(), userID: userID, amr: amr)
        let now = Date()
        try await sql.raw("""
            INSERT INTO auth_sessions (id, user_id, amr, created_at, last_used_at, client_address, user_agent)
            VALUES (\(bind: session.id), \(bind: userID), \(bind: amr.joined(separator: " ")), \(bind: now), \(bind: now),
                    \(bind: client), \(bind: String(userAgent.prefix(512))))
            """).run()
        guard refreshable else { return (session, nil) }
        let token = try await issue(session: session.id, generation: 1, now: now, in: sql)
        return (session, token)
    }

    /// Exchanges a refresh token for the next one. The claim is a conditional update, so two requests
    /// racing with one token cannot both win: the loser is treated as reuse.
    func exchange(_ token: String, in sql: any SQLDatabase) async throws -> Exchange {
        guard OpaqueToken.isWellFormed(token) else { return .invalid }
        let hash = OpaqueToken.hash(token)
        guard let row = try await sql.raw("""
            SELECT t.session_id, t.generation, t.expires_at, t.used_at, s.user_id, s.amr, s.revoked_at
            FROM auth_refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
            WHERE t.token_hash = \(bind: hash)
            """).first() else { return .invalid }
        let session = Session(id: try row.decode(column: "session_id", as: UUID.self), userID: try row.decode(column: "user_id", as: UUID.self),
                              amr: try row.decode(column: "amr", as: String.self).split(separator: " ").map(String.init))
        if try row.decode(column: "revoked_at", as: Date?.self) != nil { return .invalid }
        let now = Date()
        if try row.decode(column: "used_at", as: Date?.self) != nil { return .reused(session) }
        if try row.decode(column: "expires_at", as: Date.self) <= now { return .invalid }
        let claimed = try await sql.raw("""
            UPDATE auth_refresh_tokens SET used_at = \(bind: now) WHERE token_hash = \(bind: hash) AND used_at IS NULL RETURNING token_hash
            """).first()
        guard claimed != nil else { return .reused(session) }
        try await sql.raw("UPDATE auth_sessions SET last_used_at = \(bind: now) WHERE id = \(bind: session.id)").run()
        let next = try await issue(session: session.id, generation: try row.decode(column: "generation", as: Int.self) + 1, now: now, in: sql)
        return .rotated(session, refreshToken: next)
    }

    /// The session a refresh token belongs to, if the token is live (for logout with a token).
    func session(ofRefreshToken token: String, in sql: any SQLDatabase) async throws -> UUID? {
        guard OpaqueToken.isWellFormed(token) else { return nil }
        return try await sql.raw("""
            SELECT session_id FROM auth_refresh_tokens WHERE token_hash = \(bind: OpaqueToken.hash(token))
            """).first()?.decode(column: "session_id", as: UUID.self)
    }

    /// Ends one session; true when it was live.
    @discardableResult
    func revoke(_ id: UUID, reason: String, in sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE auth_sessions SET revoked_at = \(bind: Date()), revoked_reason = \(bind: reason) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id
            """).first() != nil
    }

    /// Ends every live session of `userID` except `keep`; returns the ids ended.
    func revokeAll(userID: UUID, except keep: UUID? = nil, reason: String, in sql: any SQLDatabase) async throws -> [UUID] {
        let rows = try await sql.raw("""
            UPDATE auth_sessions SET revoked_at = \(bind: Date()), revoked_reason = \(bind: reason)
            WHERE user_id = \(bind: userID) AND revoked_at IS NULL AND id <> \(bind: keep ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
            RETURNING id
            """).all()
        return try rows.map { try $0.decode(column: "id", as: UUID.self) }
    }

    /// Whether the session is live (not revoked).
    func isLive(_ id: UUID, in sql: any SQLDatabase) async throws -> Bool {
        guard let row = try await sql.raw("SELECT revoked_at FROM auth_sessions WHERE id = \(bind: id)").first() else { return false }
        return try row.decode(column: "revoked_at", as: Date?.self) == nil
    }

    private func issue(session: UUID, generation: Int, now: Date, in sql: any SQLDatabase) async throws -> String {
        let token = OpaqueToken.make()
        try await sql.raw("""
            INSERT INTO auth_refresh_tokens (token_hash, session_id, generation, created_at, expires_at)
            VALUES (\(bind: OpaqueToken.hash(token)), \(bind: session), \(bind: generation), \(bind: now), \(bind: now.addingTimeInterval(refreshTTL.seconds)))
            """).run()
        return token
    }
}
