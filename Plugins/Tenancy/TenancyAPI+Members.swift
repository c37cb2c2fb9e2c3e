import Foundation
import Hummingbird
import Kernel
import SQLKit

/// Lists of memberships with their users, shared by the admin and org-scoped APIs.
extension TenancyAPI {
    struct MembershipScope: Sendable {
        var orgID: UUID?
        var teamID: UUID?
        var userID: UUID?
        /// `true`: org memberships only; `false`: team memberships only; `nil`: both.
        var orgLevel: Bool?
    }

    static let membershipSorts = ["email": "u.email_key", "created_at": "m.id"]

    static var membershipFilters: [RouteOperation.QueryParameter] {
        [.init("role", "Only members holding this role."), .init("status", "Only users in this status (active, invited, deactivated)."),
         .init("search", "Part of the member's email or name.")]
    }

    func listMemberships(_ request: Request, scope: MembershipScope) async throws -> JSONValue {
        let listing = try Listing(request, sorts: Self.membershipSorts, defaultSort: "email", idColumn: "m.id")
        let filters = Filters(request: request)
        var conditions: SQLQueryString = "o.deleted_at IS NULL"
        if let org = scope.orgID { conditions += " AND m.org_id = \(bind: org)" }
        if let team = scope.teamID { conditions += " AND m.team_id = \(bind: team)" }
        if let user = scope.userID { conditions += " AND m.user_id = \(bind: user)" }
        switch scope.orgLevel {
        case true?: conditions += " AND m.team_id IS NULL"
        case false?: conditions += " AND m.team_id IS NOT NULL"
        case nil: break
        }
        if let role = try filters.choice("role", Membership.orgRoles + ["team_admin"]) { conditions += " AND m.roles LIKE \(bind: "%\"\(role)\"%")" }
        if let status = try filters.choice("status", ["active", "invited", "deactivated"]) { conditions += " AND u.status = \(bind: status)" }
        if let search = filters.search() {
            conditions += " AND (u.email_key LIKE \(bind: search) ESCAPE '\\' OR LOWER(u.first_name || ' ' || u.last_name) LIKE \(bind: search) ESCAPE '\\')"
        }
        let filter = conditions
        let from: SQLQueryString = " FROM memberships m JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.org_id WHERE "
        let columns = OrganizationStore.qualified(Membership.columns, "m") + ", u.email, u.first_name, u.last_name, u.status AS user_status"
        let sortColumn = listing.column
        return try await read { sql in
            let rows = try await sql.raw("SELECT \(unsafeRaw: columns), \(unsafeRaw: sortColumn) AS sort_key" + from + filter + listing.keyset
                                         + listing.orderAndLimit).all()
            var items: [JSONValue] = []
            var keys: [[String]] = []
            for row in rows {
                let membership = try Membership.decode(row)
                var item = membership.json.objectValue ?? [:]
                item["user"] = try Self.userSummary(row, id: membership.userID)
                items.append(.object(item))
                keys.append(try listing.key(row, id: membership.id))
            }
            let count = try await sql.raw("SELECT COUNT(*) AS n" + from + filter).first()?.decode(column: "n", as: Int.self) ?? 0
            return listing.page(items, keys: keys, count: count, request: request)
        }
    }

    static func userSummary(_ row: any SQLRow, id: UUID) throws -> JSONValue {
        let first = try row.decode(column: "first_name", as: String.self)
        let last = try row.decode(column: "last_name", as: String.self)
        let email = try row.decode(column: "email", as: String.self)
        let name = [first, last].filter { !$0.isEmpty }.joined(separator: " ")
        return ["id": .string(id.lowercasedString), "email": .string(email), "first_name": .string(first), "last_name": .string(last),
                "name": .string(name.isEmpty ? email : name), "status": .string(try row.decode(column: "user_status", as: String.self))]
    }

    /// A membership with its user, as the API answers a change.
    func membershipDetail(_ membership: Membership) async throws -> JSONValue {
        let user = try await read { [directory] sql in try await directory.user(id: membership.userID, in: sql) }
        var item = membership.json.objectValue ?? [:]
        if let user { item["user"] = UserDirectory.summary(user) }
        return .object(item)
    }
}
