import Foundation
import Kernel
import SQLKit

/// Organizations, their teams and memberships in the database. Every change emits its event (with the
/// values before and after) in the caller's transaction; events carry the affected org as their org, so
/// the audit trail files them in that org's chain.
struct OrganizationStore: Sendable {
    let events: EventBus
    let tiers: [String: LicenseTier]

    // MARK: Organizations

    func organization(_ id: UUID, includeDeleted: Bool = false, in sql: any SQLDatabase) async throws -> Organization? {
        let deleted: SQLQueryString = includeDeleted ? "" : " AND deleted_at IS NULL"
        return try await sql.raw("SELECT \(unsafeRaw: Organization.columns) FROM organizations WHERE id = \(bind: id)" + deleted).first()
            .map(Organization.decode)
    }

    /// Takes the org's row lock (PostgreSQL), so concurrent additions check its limits one at a time.
    func lock(_ id: UUID, in sql: any SQLDatabase) async throws {
        if Database.transactionDialect == .postgres {
            try await sql.raw("SELECT id FROM organizations WHERE id = \(bind: id) FOR UPDATE").run()
        }
    }

    func create(name: String, slug chosen: String?, tier: String, features: [String], origin: EventOrigin, in sql: any SQLDatabase) async throws -> Organization {
        let now = Date()
        let slug: String
        if let chosen { slug = chosen } else { slug = try await freeSlug(Organization.slug(from: name), in: sql) }
        let org = Organization(id: UUID.v7(), name: name, slug: slug, status: .active, licenseTier: tier, extraFeatures: features,
                               createdAt: now, updatedAt: now, deletedAt: nil)
        let inserted = try await sql.raw("""
            INSERT INTO organizations (id, name, slug, status, license_tier, features, limits, created_at, updated_at)
            VALUES (\(bind: org.id), \(bind: org.name), \(bind: org.slug), \(bind: org.status.rawValue), \(bind: org.licenseTier),
                    \(bind: JSONText.encode(org.extraFeatures)), '{}', \(bind: now), \(bind: now))
            ON CONFLICT (slug) DO NOTHING RETURNING id
            """).first()
        guard inserted != nil else { throw TenancyProblem.taken("slug", "An organization with the slug '\(slug)' exists.") }
        try await events.emit("org.created", payload: ["org": org.payload], origin: origin.in(org.id), in: sql)
        return org
    }

    /// A slug nobody uses: `base`, else `base-2`, `base-3`, …
    private func freeSlug(_ base: String, in sql: any SQLDatabase) async throws -> String {
        let base = base.isEmpty ? "org" : base
        let taken = Set(try await sql.raw("SELECT slug FROM organizations WHERE slug = \(bind: base) OR slug LIKE \(bind: base + "-%")").all()
            .map { try $0.decode(column: "slug", as: String.self) })
        if !taken.contains(base) { return base }
        return (2...).lazy.map { "\(base)-\($0)" }.first { !taken.contains($0) }!
    }

    /// Writes `after` over `before` and emits `org.updated` (or `license.updated` too when the tier or the
    /// custom features changed). Nothing happens when nothing changed.
    @discardableResult
    func update(_ before: Organization, to after: Organization, origin: EventOrigin, in sql: any SQLDatabase) async throws -> Organization {
        guard after != before else { return before }
        var after = after
        after.updatedAt = Date()
        let updated = try await sql.raw("""
            UPDATE organizations SET name = \(bind: after.name), slug = \(bind: after.slug), status = \(bind: after.status.rawValue),
                license_tier = \(bind: after.licenseTier), features = \(bind: JSONText.encode(after.extraFeatures)),
                updated_at = \(bind: after.updatedAt), deleted_at = \(bind: after.deletedAt)
            WHERE id = \(bind: before.id) AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.slug = \(bind: after.slug) AND o.id <> \(bind: before.id))
            RETURNING id
            """).first()
        guard updated != nil else { throw TenancyProblem.taken("slug", "An organization with the slug '\(after.slug)' exists.") }
        let origin = origin.in(before.id)
        if after.deletedAt != nil, before.deletedAt == nil {
            try await events.emit("org.deleted", payload: ["org": before.payload], origin: origin, in: sql)
        } else {
            try await events.emit("org.updated", payload: ["before": before.payload, "after": after.payload], origin: origin, in: sql)
        }
        if after.licenseTier != before.licenseTier || after.extraFeatures != before.extraFeatures {
            try await events.emit("license.updated", payload: ["org_id": .string(before.id.lowercasedString),
                                                               "before": licensePayload(before), "after": licensePayload(after)], origin: origin, in: sql)
        }
        return after
    }

    func licensePayload(_ org: Organization) -> JSONValue {
        ["tier": .string(org.licenseTier), "custom_features": .array(org.extraFeatures.map { .string($0) }),
         "features": .array(org.features(tiers: tiers).map { .string($0) })]
    }

    /// How many members (not deactivated) and teams the org has, for its limits.
    func usage(_ orgID: UUID, in sql: any SQLDatabase) async throws -> (users: Int, teams: Int) {
        let users = try await sql.raw("""
            SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.org_id = \(bind: orgID) AND m.team_id IS NULL AND u.status <> 'deactivated'
            """).first()?.decode(column: "n", as: Int.self) ?? 0
        let teams = try await sql.raw("SELECT COUNT(*) AS n FROM teams WHERE org_id = \(bind: orgID)").first()?.decode(column: "n", as: Int.self) ?? 0
        return (users, teams)
    }

    /// Refuses one more user or team beyond the org's tier, naming the limit and the tier.
    func checkRoom(for what: TenancyProblem.Limited, in org: Organization, in sql: any SQLDatabase) async throws {
        let tier = tiers[org.licenseTier]
        let usage = try await usage(org.id, in: sql)
        let (quota, current) = what == .users ? (tier?.users ?? .unlimited, usage.users) : (tier?.teams ?? .unlimited, usage.teams)
        if !quota.allows(current + 1) {
            throw TenancyProblem.limitReached(what, tier: org.licenseTier, maximum: quota.maximum ?? 0, current: current)
        }
    }

    // MARK: Teams

    func team(_ id: UUID, in sql: any SQLDatabase) async throws -> Team? {
        try await sql.raw("""
            SELECT \(unsafeRaw: Team.columns.split(separator: ",").map { "t." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
            FROM teams t JOIN organizations o ON o.id = t.org_id
            WHERE t.id = \(bind: id) AND o.deleted_at IS NULL
            """).first().map(Team.decode)
    }

    func createTeam(in org: Organization, name: String, description: String, origin: EventOrigin, in sql: any SQLDatabase) async throws -> Team {
        try await lock(org.id, in: sql)
        try await checkRoom(for: .teams, in: org, in: sql)
        let now = Date()
        let team = Team(id: UUID.v7(), orgID: org.id, name: name, description: description, createdAt: now, updatedAt: now)
        let inserted = try await sql.raw("""
            INSERT INTO teams (id, org_id, name, name_key, description, created_at, updated_at)
            VALUES (\(bind: team.id), \(bind: org.id), \(bind: name), \(bind: name.lowercased()), \(bind: description), \(bind: now), \(bind: now))
            ON CONFLICT (org_id, name_key) DO NOTHING RETURNING id
            """).first()
        guard inserted != nil else { throw TenancyProblem.taken("name", "This organization has a team named '\(name)'.") }
        try await events.emit("team.created", payload: ["team": team.payload], origin: origin.in(org.id), in: sql)
        return team
    }

    func updateTeam(_ before: Team, to after: Team, origin: EventOrigin, in sql: any SQLDatabase) async throws -> Team {
        guard after != before else { return before }
        var after = after
        after.updatedAt = Date()
        let updated = try await sql.raw("""
            UPDATE teams SET name = \(bind: after.name), name_key = \(bind: after.name.lowercased()), description = \(bind: after.description),
                updated_at = \(bind: after.updatedAt)
            WHERE id = \(bind: before.id)
              AND NOT EXISTS (SELECT 1 FROM teams t WHERE t.org_id = \(bind: before.orgID) AND t.name_key = \(bind: after.name.lowercased()) AND t.id <> \(bind: before.id))
            RETURNING id
            """).first()
        guard updated != nil else { throw TenancyProblem.taken("name", "This organization has a team named '\(after.name)'.") }
        try await events.emit("team.updated", payload: ["before": before.payload, "after": after.payload], origin: origin.in(before.orgID), in: sql)
        return after
    }

    /// Deletes the team and its memberships (each `membership.deleted`), then emits `team.deleted`.
    func deleteTeam(_ team: Team, origin: EventOrigin, in sql: any SQLDatabase) async throws {
        let members = try await sql.raw("SELECT \(unsafeRaw: Membership.columns) FROM memberships WHERE team_id = \(bind: team.id) ORDER BY id").all()
            .map(Membership.decode)
        for membership in members { try await deleteMembership(membership, origin: origin, in: sql) }
        try await sql.raw("DELETE FROM teams WHERE id = \(bind: team.id)").run()
        try await events.emit("team.deleted", payload: ["team": team.payload], origin: origin.in(team.orgID), in: sql)
    }

    // MARK: Memberships

    func membership(_ id: UUID, in sql: any SQLDatabase) async throws -> Membership? {
        try await sql.raw("""
            SELECT \(unsafeRaw: Self.qualified(Membership.columns, "m")) FROM memberships m JOIN organizations o ON o.id = m.org_id
            WHERE m.id = \(bind: id) AND o.deleted_at IS NULL
            """).first().map(Membership.decode)
    }

    /// The user's membership of the org itself (`team == nil`) or of one of its teams.
    func membership(user: UUID, org: UUID, team: UUID?, in sql: any SQLDatabase) async throws -> Membership? {
        let teamFilter: SQLQueryString = team.map { "team_id = \(bind: $0)" } ?? "team_id IS NULL"
        return try await sql.raw("SELECT \(unsafeRaw: Membership.columns) FROM memberships WHERE user_id = \(bind: user) AND org_id = \(bind: org) AND " + teamFilter)
            .first().map(Membership.decode)
    }

    /// Adds `user` to `org` (or to `team` of it, which needs the org membership first). An org membership
    /// counts against the tier's users.
    func addMembership(user: UserAccount, org: Organization, team: Team?, roles: [String], origin: EventOrigin, in sql: any SQLDatabase) async throws -> Membership {
        try await lock(org.id, in: sql)
        if let team {
            guard try await membership(user: user.id, org: org.id, team: nil, in: sql) != nil else {
                throw TenancyProblem.invalid("user_id", "\(user.email) is not a member of the team's organization; add them to the organization first.")
            }
            guard team.orgID == org.id else { throw TenancyProblem.invalid("team_id", "The team belongs to another organization.") }
        } else if user.status != .deactivated {
            try await checkRoom(for: .users, in: org, in: sql)
        }
        let now = Date()
        let membership = Membership(id: UUID.v7(), userID: user.id, orgID: org.id, teamID: team?.id, roles: roles, createdAt: now, updatedAt: now)
        let conflictTarget: SQLQueryString = team == nil ? "(org_id, user_id) WHERE team_id IS NULL" : "(team_id, user_id) WHERE team_id IS NOT NULL"
        let inserted = try await sql.raw("""
            INSERT INTO memberships (id, user_id, org_id, team_id, roles, created_at, updated_at)
            VALUES (\(bind: membership.id), \(bind: user.id), \(bind: org.id), \(bind: team?.id), \(bind: JSONText.encode(roles)), \(bind: now), \(bind: now))
            ON CONFLICT
            """ + conflictTarget + " DO NOTHING RETURNING id").first()
        guard inserted != nil else {
            throw TenancyProblem.taken("user_id", "\(user.email) is a member of this \(team == nil ? "organization" : "team") already.")
        }
        try await events.emit("membership.created", payload: ["membership": membership.payload], origin: origin.in(org.id), in: sql)
        return membership
    }

    func updateMembership(_ before: Membership, roles: [String], origin: EventOrigin, in sql: any SQLDatabase) async throws -> Membership {
        guard roles != before.roles else { return before }
        var after = before
        after.roles = roles
        after.updatedAt = Date()
        try await sql.raw("UPDATE memberships SET roles = \(bind: JSONText.encode(roles)), updated_at = \(bind: after.updatedAt) WHERE id = \(bind: before.id)").run()
        try await events.emit("membership.updated", payload: ["before": before.payload, "after": after.payload], origin: origin.in(before.orgID), in: sql)
        return after
    }

    /// Removes a membership; removing an org membership removes the user's team memberships in that org too.
    func deleteMembership(_ membership: Membership, origin: EventOrigin, in sql: any SQLDatabase) async throws {
        if membership.teamID == nil {
            let teams = try await sql.raw("""
                SELECT \(unsafeRaw: Membership.columns) FROM memberships
                WHERE user_id = \(bind: membership.userID) AND org_id = \(bind: membership.orgID) AND team_id IS NOT NULL ORDER BY id
                """).all().map(Membership.decode)
            for team in teams { try await deleteMembership(team, origin: origin, in: sql) }
        }
        try await sql.raw("DELETE FROM memberships WHERE id = \(bind: membership.id)").run()
        try await events.emit("membership.deleted", payload: ["membership": membership.payload], origin: origin.in(membership.orgID), in: sql)
    }

    static func qualified(_ columns: String, _ table: String) -> String {
        columns.split(separator: ",").map { "\(table)." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
    }
}

extension EventOrigin {
    /// The same origin, filed under `org` (the org a change affects, whatever org the actor works in).
    func `in`(_ org: UUID) -> EventOrigin {
        var origin = self
        origin.orgID = org.lowercasedString
        return origin
    }
}
