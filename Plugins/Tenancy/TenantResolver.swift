import Foundation
import Kernel

/// The Kernel's `PrincipalEnricher`: picks the organization a request acts in and adds what the policies
/// need about it — `org_id`, `org_roles`, `team_ids`, `team_roles` (team id → roles), `license_tier`,
/// `features`.
///
/// The current org is the one `X-Org-ID` names (it must be one of the user's orgs, or any org for platform
/// staff; anything else is refused with 403), else — on `/api/v1/orgs/{id}/…` — the org in the path when
/// the user belongs to it, else the token's `org_id` claim while the user still belongs there, else the
/// user's first membership. Deleted and suspended orgs are nobody's current org.
/// What was read is trusted for `membership_check_interval`; a change made by this process applies at
/// once.
final class TenantResolver: PrincipalEnricher, OrganizationRateLimits, Sendable {
    struct OrgFacts: Sendable {
        let tier: String
        let features: [String]
        let usable: Bool
    }

    /// What a request acting in one org adds to the principal, made once when the memberships are read.
    /// An object: a remembered principal keeps what it became with these attributes under this object's
    /// identity (`Principal.derivedPrincipal`), and memberships read again make a new one.
    final class OrgAttributes: Sendable {
        let values: [String: JSONValue]

        init(_ values: [String: JSONValue]) {
            self.values = values
        }
    }

    struct UserFacts: Sendable {
        /// The user's usable orgs (member, org active) → the attributes a request acting there adds.
        var attributes: [String: OrgAttributes] = [:]
        /// The first usable membership, by when it was made.
        var defaultOrg: String?
    }

    let database: Database
    let tiers: [String: LicenseTier]
    private let users: ReadThroughCache<UUID, UserFacts>
    private let orgs: ReadThroughCache<String, OrgFacts?>
    static let header = "X-Org-ID"
    static let headerName = HTTPField.Name(header)!
    static let staffRoles: Set<String> = ["platform_admin", "support_readonly"]

    init(database: Database, tiers: [String: LicenseTier], interval: Duration) {
        self.database = database
        self.tiers = tiers
        users = ReadThroughCache(interval: interval)
        orgs = ReadThroughCache(interval: interval)
    }

    /// Forgets what was read, once the current transaction commits (every tenancy change calls it).
    func changed() {
        users.invalidateAfterCommit()
        orgs.invalidateAfterCommit()
    }

    func enrich(_ principal: Principal, request: RequestHead, context: AppRequestContext) async throws -> Principal {
        guard let userID = UUID(canonical: principal.id) else { return principal }
        let facts = try await userFacts(userID)
        let added: OrgAttributes
        var stored = true  // `added` is one of the stored attribute sets, not made for this request
        if let requested = request.headers[Self.headerName]?.trimmingCharacters(in: .whitespaces).lowercased(), !requested.isEmpty {
            let isStaff = principal.roles.contains { Self.staffRoles.contains($0) }
            if let member = facts.attributes[requested] {  // the user's orgs that are usable
                added = member
            } else if isStaff, UUID(canonical: requested) != nil, let org = try await orgFacts(requested), org.usable {
                added = OrgAttributes(Self.attributes(org: requested, roles: [], teams: [:], facts: org))
                stored = false
            } else {
                throw Problem(status: .forbidden, type: Problem.typeURI("foreign-organization"), title: "Not a Member",
                              detail: "You are not a member of the organization \(Self.header) names.")
            }
        } else {
            // On the org-scoped API the org in the path is the one the request acts in, when the user belongs
            // to it; otherwise the token's org, else the first membership.
            var chosen: OrgAttributes?
            if context.endpointPath?.hasPrefix("/api/v1/orgs/{id}") == true, let inPath = context.parameters.get("id") {
                chosen = facts.attributes[Self.lowercased(inPath)]
            }
            if chosen == nil, let claimed = principal.attributes["org_id"]?.stringValue { chosen = facts.attributes[Self.lowercased(claimed)] }
            if chosen == nil, let first = facts.defaultOrg { chosen = facts.attributes[first] }
            added = chosen ?? Self.noOrganization
        }
        // A client sends the same token many times and both parts come from caches: the cached principal
        // keeps what it became with each set of attributes, so the same request finds the same principal
        // (and its view for the policies, made once).
        guard stored else { return Self.adding(added, to: principal) }
        return principal.derivedPrincipal(for: added) { Self.adding(added, to: principal).remembered() }
    }

    /// `text` lower-cased, without a copy when it has no upper-case letter (ids usually have none).
    static func lowercased(_ text: some StringProtocol) -> String {
        text.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A || $0 >= 0x80 }) ? text.lowercased() : String(text)
    }

    static func adding(_ added: OrgAttributes, to principal: Principal) -> Principal {
        var result = principal
        result.attributes.reserveCapacity(principal.attributes.count + added.values.count)  // one copy of the cached claims, at its final size
        for (name, value) in added.values { result.attributes[name] = value }
        return result
    }

    /// What a request acting in `org` adds to the principal: `org_id`, `org_roles`, `team_ids`,
    /// `team_roles`, `license_tier`, `features`.
    static func attributes(org: String, roles: [String], teams: [String: [String]], facts: OrgFacts) -> [String: JSONValue] {
        [
            "org_id": .string(org),
            "org_roles": .array(roles.map { .string($0) }),
            "team_ids": .array(teams.keys.sorted().map { .string($0) }),
            "team_roles": .object(teams.mapValues { .array($0.map { .string($0) }) }),
            "license_tier": .string(facts.tier),
            "features": .array(facts.features.map { .string($0) }),
        ]
    }

    /// The same attributes for a request that acts in no org.
    static let noOrganization = OrgAttributes([
        "org_id": "", "org_roles": [], "team_ids": [], "team_roles": [:], "license_tier": "", "features": [],
    ])

    func limit(forOrganization orgID: String) async throws -> RateLimit? {
        guard let facts = try await orgFacts(orgID), let limit = tiers[facts.tier]?.requests, !limit.isOff else { return nil }
        return limit
    }

    // MARK: Reading, with the cache

    func userFacts(_ userID: UUID) async throws -> UserFacts {
        let (tiers, database) = (tiers, database)
        return try await users.value(for: userID) { try await database.read { sql -> UserFacts in
            let rows = try await sql.raw("""
                SELECT m.org_id, m.team_id, m.roles, o.license_tier, o.features, o.status
                FROM memberships m JOIN organizations o ON o.id = m.org_id
                WHERE m.user_id = \(bind: userID) AND o.deleted_at IS NULL
                ORDER BY m.created_at, m.id
                """).all()
            var facts = UserFacts()
            var orgs: [String: (roles: [String]?, teams: [String: [String]], facts: OrgFacts)] = [:]
            for row in rows {
                let org = try row.decode(column: "org_id", as: UUID.self).lowercasedString
                let roles = JSONText.strings(try row.decode(column: "roles", as: String.self))
                let orgFacts = Self.facts(tier: try row.decode(column: "license_tier", as: String.self),
                                          extra: JSONText.strings(try row.decode(column: "features", as: String.self)),
                                          status: try row.decode(column: "status", as: String.self), tiers: tiers)
                var entry = orgs[org] ?? (roles: nil, teams: [:], facts: orgFacts)
                if let team = try row.decode(column: "team_id", as: UUID?.self) {
                    entry.teams[team.lowercasedString] = roles
                } else {
                    entry.roles = roles
                    if facts.defaultOrg == nil, orgFacts.usable { facts.defaultOrg = org }
                }
                orgs[org] = entry
            }
            // Team memberships count only beside the org membership (removing that removes them too).
            for (org, member) in orgs where member.facts.usable {
                guard let roles = member.roles else { continue }
                facts.attributes[org] = OrgAttributes(Self.attributes(org: org, roles: roles, teams: member.teams, facts: member.facts))
            }
            return facts
        } }
    }

    func orgFacts(_ orgID: String) async throws -> OrgFacts? {
        guard let id = UUID(canonical: orgID) else { return nil }
        let (tiers, database) = (tiers, database)
        return try await orgs.value(for: orgID) { try await database.read { sql -> OrgFacts? in
            guard let row = try await sql.raw("SELECT license_tier, features, status FROM organizations WHERE id = \(bind: id) AND deleted_at IS NULL").first() else {
                return nil
            }
            return Self.facts(tier: try row.decode(column: "license_tier", as: String.self), extra: JSONText.strings(try row.decode(column: "features", as: String.self)),
                              status: try row.decode(column: "status", as: String.self), tiers: tiers)
        } }
    }

    static func facts(tier: String, extra: [String], status: String, tiers: [String: LicenseTier]) -> OrgFacts {
        OrgFacts(tier: tier, features: Organization.features(tier: tier, extra: extra, tiers: tiers), usable: status == Organization.Status.active.rawValue)
    }
}

import HTTPTypes
