import Foundation
import Kernel
import SQLKit

/// Invitations: an invited account (status `invited`) and a single-use, expiring link to accept it,
/// mailed through the Kernel's mail queue. The token is 256 random bits; only its SHA-256 is stored.
/// Resending replaces the token (the old link stops working). Accepting activates the account, marks
/// its address verified (the link proved it), and — with auth.local — sets the password.
struct Invitations: Sendable {
    static let template = "tenancy.invitation"
    static let templates = [
        MailTemplate(template, subject: "You are invited to {{site}}",
                     text: """
                        Hello {{name}},

                        {{inviter}} invited you to {{site}}{{#org}} to join {{org}}{{/org}}. Accept the invitation and choose your password here:

                        {{{link}}}

                        The link works once and expires in {{days}} days. If you did not expect this, ignore this mail.
                        """,
                     html: "<p>Hello {{name}},</p><p>{{inviter}} invited you to {{site}}{{#org}} to join {{org}}{{/org}}: <a href=\"{{link}}\">accept the invitation</a>.</p><p>The link works once and expires in {{days}} days. If you did not expect this, ignore this mail.</p>"),
    ]

    let mail: MailService
    let frontendURL: URL
    let ttl: Duration
    let siteName: @Sendable () async -> String

    /// Replaces any open invitation of `user` with a new one and queues its mail (in the transaction).
    func send(to user: UserAccount, inviter: String, org: String?, in sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM invitations WHERE user_id = \(bind: user.id) AND used_at IS NULL").run()
        let token = OpaqueToken.make()
        let now = Date()
        try await sql.raw("""
            INSERT INTO invitations (token_hash, user_id, invited_by, created_at, expires_at)
            VALUES (\(bind: OpaqueToken.hash(token)), \(bind: user.id), \(bind: inviter), \(bind: now), \(bind: now.addingTimeInterval(ttl.seconds)))
            """).run()
        let link = frontendURL.absoluteString.trimmingSuffix("/") + "/accept-invite?token=" + token
        var data: [String: JSONValue] = [
            "name": .string(user.displayName), "inviter": .string(inviter), "site": .string(await siteName()), "link": .string(link),
            "days": .int(max(1, Int(ttl.seconds / 86_400))),
        ]
        if let org { data["org"] = .string(org) }
        try await mail.send(template: Self.template, to: [user.email], data: .object(data), in: sql)
    }

    /// Consumes `token`: the invited user it names, or `nil` when it is unknown, used or expired.
    func redeem(_ token: String, in sql: any SQLDatabase) async throws -> UUID? {
        guard OpaqueToken.isWellFormed(token) else { return nil }
        let now = Date()
        return try await sql.raw("""
            UPDATE invitations SET used_at = \(bind: now)
            WHERE token_hash = \(bind: OpaqueToken.hash(token)) AND used_at IS NULL AND expires_at > \(bind: now)
            RETURNING user_id
            """).first()?.decode(column: "user_id", as: UUID.self)
    }
}
