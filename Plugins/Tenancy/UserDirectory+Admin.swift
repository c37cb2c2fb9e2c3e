import Foundation
import Kernel
import SQLKit

/// What platform admins do to accounts: list, change, deactivate. Every change emits its event.
extension UserDirectory {
    static let sorts = ["email": "email_key", "created_at": "id", "last_name": "LOWER(last_name)"]

    /// Writes `after` over `before` (address unique whatever its case) and emits `user.updated`.
    func update(_ before: UserAccount, to after: UserAccount, origin: EventOrigin, in sql: any SQLDatabase) async throws -> UserAccount {
        guard after != before else { return before }
        recent.invalidateAfterCommit()
        let updated = try await sql.raw("""
            UPDATE users SET email = \(bind: after.email), email_key = \(bind: Self.key(after.email)), first_name = \(bind: after.firstName),
                last_name = \(bind: after.lastName), status = \(bind: after.status.rawValue), platform_roles = \(bind: Self.encodeRoles(after.platformRoles)),
                email_verified = \(bind: after.emailVerified), updated_at = \(bind: Date())
            WHERE id = \(bind: before.id)
              AND NOT EXISTS (SELECT 1 FROM users o WHERE o.email_key = \(bind: Self.key(after.email)) AND o.id <> \(bind: before.id))
            RETURNING id
            """).first()
        guard updated != nil else { throw TenancyProblem.taken("email", "Another account uses \(after.email).") }
        try await events.emit("user.updated", payload: ["before": Self.payload(before), "after": Self.payload(after)], origin: origin, in: sql)
        return after
    }

    /// Deactivates the account (`user.deleted`): it cannot sign in, its sessions end (auth.local listens),
    /// and its memberships stay for the record but no longer count against its orgs' limits.
    func deactivate(_ user: UserAccount, origin: EventOrigin, in sql: any SQLDatabase) async throws {
        guard user.status != .deactivated else { return }
        recent.invalidateAfterCommit()
        try await sql.raw("UPDATE users SET status = 'deactivated', updated_at = \(bind: Date()) WHERE id = \(bind: user.id)").run()
        var after = user
        after.status = .deactivated
        try await events.emit("user.deleted", payload: ["user": Self.payload(after), "before": Self.payload(user)], origin: origin, in: sql)
    }

    /// The orgs (not deleted) the user belongs to.
    func organizationIDs(of userID: UUID, in sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("""
            SELECT DISTINCT m.org_id FROM memberships m JOIN organizations o ON o.id = m.org_id
            WHERE m.user_id = \(bind: userID) AND m.team_id IS NULL AND o.deleted_at IS NULL
            """).all().map { try $0.decode(column: "org_id", as: UUID.self).lowercasedString }.sorted()
    }

    /// What policies see of a user: who it is, its orgs and its platform roles.
    func resource(_ user: UserAccount, in sql: any SQLDatabase) async throws -> ResourceRef {
        let orgs = try await organizationIDs(of: user.id, in: sql)
        return ResourceRef(kind: "user", id: user.id.lowercasedString, attributes: [
            "owner_id": .string(user.id.lowercasedString), "org_ids": .array(orgs.map { .string($0) }),
            "roles": .array(user.platformRoles.map { .string($0) }),
        ])
    }

    static func json(_ user: UserAccount) -> JSONValue {
        var object = payload(user).objectValue ?? [:]
        object["name"] = .string(user.displayName)
        object["created_at"] = .string(Timestamp.text(user.createdAt))
        object["last_login_at"] = user.lastLoginAt.map { .string(Timestamp.text($0)) } ?? .null
        return .object(object)
    }

    static func summary(_ user: UserAccount) -> JSONValue {
        ["id": .string(user.id.lowercasedString), "email": .string(user.email), "first_name": .string(user.firstName),
         "last_name": .string(user.lastName), "name": .string(user.displayName), "status": .string(user.status.rawValue)]
    }

    func list(_ request: Request, listing: Listing) async throws -> (items: [JSONValue], keys: [[String]], count: Int) {
        let filters = Filters(request: request)
        var conditions: SQLQueryString = "1 = 1"
        if let status = try filters.choice("status", ["active", "invited", "deactivated"]) { conditions += " AND status = \(bind: status)" }
        if let role = try filters.choice("role", UserBody.platformRoles) { conditions += " AND platform_roles LIKE \(bind: "%\"\(role)\"%")" }
        if let org = try filters.uuid("org_id") {
            var membership: SQLQueryString = "SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.org_id = \(bind: org) AND m.team_id IS NULL"
            if let orgRole = try filters.choice("org_role", Membership.orgRoles) { membership += " AND m.roles LIKE \(bind: "%\"\(orgRole)\"%")" }
            conditions += " AND EXISTS (" + membership + ")"
        }
        if let search = filters.search() {
            conditions += " AND (email_key LIKE \(bind: search) ESCAPE '\\' OR LOWER(first_name || ' ' || last_name) LIKE \(bind: search) ESCAPE '\\')"
        }
        let filter = conditions
        let sortColumn = listing.column
        return try await database.read { sql in
            let rows = try await sql.raw("SELECT \(unsafeRaw: Self.columns), \(unsafeRaw: sortColumn) AS sort_key FROM users WHERE " + filter
                                         + listing.keyset + listing.orderAndLimit).all()
            let users = try rows.map(Self.decode)
            let keys = try zip(rows, users).map { try listing.key($0.0, id: $0.1.id) }
            let count = try await sql.raw("SELECT COUNT(*) AS n FROM users WHERE " + filter).first()?.decode(column: "n", as: Int.self) ?? 0
            return (users.map(Self.json), keys, count)
        }
    }
}

import Hummingbird
