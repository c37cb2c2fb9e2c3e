import Foundation
import Kernel
import SQLKit

/// The `Directory` over the `users` table. Every change emits its event in the caller's transaction.
struct UserDirectory: Directory {
    let database: Database
    let events: EventBus
    let recent: ReadThroughCache<UUID, UserAccount?>

    init(database: Database, events: EventBus, interval: Duration) {
        self.database = database
        self.events = events
        recent = ReadThroughCache(interval: interval)
    }

    func recentUser(id: UUID) async throws -> UserAccount? {
        let database = database
        return try await recent.value(for: id) { try await database.read { sql in try await user(id: id, in: sql) } }
    }

    static let columns = "id, email, first_name, last_name, status, platform_roles, email_verified, created_at, last_login_at"

    func user(id: UUID, in sql: any SQLDatabase) async throws -> UserAccount? {
        try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM users WHERE id = \(bind: id)").first().map(Self.decode)
    }

    func user(email: String, in sql: any SQLDatabase) async throws -> UserAccount? {
        try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM users WHERE email_key = \(bind: Self.key(email))").first().map(Self.decode)
    }

    func createUser(_ new: NewUserAccount, origin: EventOrigin, in sql: any SQLDatabase) async throws -> UserAccount {
        let now = Date()
        let account = UserAccount(id: UUID.v7(), email: new.email, firstName: new.firstName, lastName: new.lastName, status: new.status,
                                  platformRoles: new.platformRoles, emailVerified: new.emailVerified, createdAt: now, lastLoginAt: nil)
        // ON CONFLICT DO NOTHING instead of catching a unique violation: a failed statement would abort a
        // PostgreSQL transaction, and the caller may want to go on (answering as if it had worked).
        recent.invalidateAfterCommit()
        let inserted = try await sql.raw("""
            INSERT INTO users (id, email, email_key, first_name, last_name, status, platform_roles, email_verified, created_at, updated_at)
            VALUES (\(bind: account.id), \(bind: account.email), \(bind: Self.key(account.email)), \(bind: account.firstName),
                    \(bind: account.lastName), \(bind: account.status.rawValue), \(bind: Self.encodeRoles(account.platformRoles)),
                    \(bind: account.emailVerified), \(bind: now), \(bind: now))
            ON CONFLICT (email_key) DO NOTHING
            RETURNING id
            """).first()
        guard inserted != nil else { throw DirectoryError.emailTaken }
        _ = try await events.emit("user.created", payload: ["user": Self.payload(account)], origin: origin, in: sql)
        return account
    }

    func markEmailVerified(userID: UUID, origin: EventOrigin, in sql: any SQLDatabase) async throws {
        guard let before = try await user(id: userID, in: sql), !before.emailVerified else { return }
        recent.invalidateAfterCommit()
        try await sql.raw("UPDATE users SET email_verified = \(bind: true), updated_at = \(bind: Date()) WHERE id = \(bind: userID)").run()
        var after = before
        after.emailVerified = true
        try await emitUpdated(before, after, origin: origin, in: sql)
    }

    func recordLogin(userID: UUID, at date: Date, in sql: any SQLDatabase) async throws {
        recent.invalidateAfterCommit()
        try await sql.raw("UPDATE users SET last_login_at = \(bind: date) WHERE id = \(bind: userID)").run()
    }

    func user(for identity: ExternalIdentity, origin: EventOrigin, in sql: any SQLDatabase) async throws -> UserAccount {
        let linked = try await sql.raw("""
            SELECT user_id FROM user_identities WHERE issuer = \(bind: identity.issuer) AND subject = \(bind: identity.subject)
            """).first()?.decode(column: "user_id", as: UUID.self)
        if let linked, let before = try await user(id: linked, in: sql) {
            return try await refresh(before, from: identity, origin: origin, in: sql)
        }
        // First sight. The address is the provider's claim, so it never links to an existing local account
        // (that would let whoever controls the provider's profile take the account over); a clash gets a
        // placeholder address until the provider's address is free.
        var email = identity.email
        let clash = email.isEmpty ? nil : try await user(email: email, in: sql)
        if email.isEmpty || clash != nil { email = Self.placeholderEmail(identity) }
        let account = try await createUser(NewUserAccount(email: email, firstName: identity.firstName, lastName: identity.lastName,
                                                          emailVerified: identity.emailVerified), origin: origin, in: sql)
        try await sql.raw("""
            INSERT INTO user_identities (issuer, subject, user_id, created_at)
            VALUES (\(bind: identity.issuer), \(bind: identity.subject), \(bind: account.id), \(bind: Date()))
            """).run()
        return account
    }

    func affiliation(userID: UUID, in sql: any SQLDatabase) async throws -> UserAffiliation {
        // The first organization joined (not deleted or suspended), and the user's teams in it.
        let rows = try await sql.raw("""
            SELECT m.org_id, m.team_id FROM memberships m JOIN organizations o ON o.id = m.org_id
            WHERE m.user_id = \(bind: userID) AND o.deleted_at IS NULL AND o.status = 'active'
            ORDER BY m.created_at, m.id
            """).all()
        var affiliation = UserAffiliation()
        for row in rows where try row.decode(column: "team_id", as: UUID?.self) == nil {
            affiliation.orgID = try row.decode(column: "org_id", as: UUID.self).lowercasedString
            break
        }
        guard let org = affiliation.orgID else { return affiliation }
        for row in rows {
            if let team = try row.decode(column: "team_id", as: UUID?.self), try row.decode(column: "org_id", as: UUID.self).lowercasedString == org {
                affiliation.teamIDs.append(team.lowercasedString)
            }
        }
        return affiliation
    }

    // MARK: Helpers

    /// Keeps the address and name the provider asserts (the address only while no other account has it).
    private func refresh(_ before: UserAccount, from identity: ExternalIdentity, origin: EventOrigin, in sql: any SQLDatabase) async throws -> UserAccount {
        var after = before
        after.firstName = identity.firstName
        after.lastName = identity.lastName
        after.emailVerified = identity.emailVerified
        if !identity.email.isEmpty, Self.key(identity.email) != Self.key(before.email) {
            if try await user(email: identity.email, in: sql) == nil { after.email = identity.email }
        } else if !identity.email.isEmpty {
            after.email = identity.email
        }
        guard after != before else { return before }
        recent.invalidateAfterCommit()
        try await sql.raw("""
            UPDATE users SET email = \(bind: after.email), email_key = \(bind: Self.key(after.email)), first_name = \(bind: after.firstName),
                last_name = \(bind: after.lastName), email_verified = \(bind: after.emailVerified), updated_at = \(bind: Date())
            WHERE id = \(bind: before.id)
            """).run()
        try await emitUpdated(before, after, origin: origin, in: sql)
        return after
    }

    private func emitUpdated(_ before: UserAccount, _ after: UserAccount, origin: EventOrigin, in sql: any SQLDatabase) async throws {
        _ = try await events.emit("user.updated", payload: ["before": Self.payload(before), "after": Self.payload(after)], origin: origin, in: sql)
    }

    static func key(_ email: String) -> String { email.lowercased() }

    static func placeholderEmail(_ identity: ExternalIdentity) -> String {
        let digest = identity.issuer.utf8.reduce(into: UInt64(14_695_981_039_346_656_037)) { $0 = ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return "\(identity.subject.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "-" })@\(String(digest, radix: 16)).users.invalid"
    }

    static func encodeRoles(_ roles: [String]) -> String { JSONValue.array(roles.map { .string($0) }).jsonString() }

    static func payload(_ account: UserAccount) -> JSONValue {
        [
            "id": .string(account.id.lowercasedString), "email": .string(account.email), "first_name": .string(account.firstName),
            "last_name": .string(account.lastName), "status": .string(account.status.rawValue),
            "platform_roles": .array(account.platformRoles.map { .string($0) }), "email_verified": .bool(account.emailVerified),
        ]
    }

    static func decode(_ row: any SQLRow) throws -> UserAccount {
        let rolesText = try row.decode(column: "platform_roles", as: String.self)
        let roles = JSONValue.strings(fromJSON: rolesText) ?? []
        return UserAccount(id: try row.decode(column: "id", as: UUID.self), email: try row.decode(column: "email", as: String.self),
                           firstName: try row.decode(column: "first_name", as: String.self),
                           lastName: try row.decode(column: "last_name", as: String.self),
                           status: UserAccount.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .deactivated,
                           platformRoles: roles, emailVerified: try row.decode(column: "email_verified", as: Bool.self),
                           createdAt: try row.decode(column: "created_at", as: Date.self),
                           lastLoginAt: try row.decode(column: "last_login_at", as: Date?.self))
    }
}
