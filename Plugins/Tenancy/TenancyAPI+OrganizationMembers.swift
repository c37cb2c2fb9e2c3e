import Foundation
import Hummingbird
import Kernel
import SQLKit

/// `/api/v1/orgs/{id}/members` and `/api/v1/orgs/{id}/teams/{team_id}/members`: org admins manage their
/// org's members (by address: an unknown address is invited), team admins their team's members. Nobody
/// grants a role above the ones of the level they manage: org roles are `org_admin` and `member`, team
/// roles `team_admin` and `member`; platform roles are never granted here. An org keeps at least one
/// org admin.
extension TenancyAPI {
    func addOrganizationMemberRoutes(to routes: Routes) {
        let tags = ["organizations"]
        let memberBody = Self.object(["email": Self.string, "user_id": Self.uuid, "first_name": Self.string, "last_name": Self.string, "roles": Self.strings])
        routes.get("/orgs/{id}/members", RouteOperation("Your organization's members", tags: tags, access: .authenticated,
                                                   query: Listing.parameters(sorts: ["created_at", "email"], defaultSort: "email", filters: Self.membershipFilters),
                                                   responses: [200: Self.list("Membership"), 404: Self.problem])) { request, context in
            let id = try Self.id(context, kind: "organization")
            try await context.authorize("list_members", on: Self.organizationRef(id))
            _ = try await organization(context)
            return JSONResponse(try await listMemberships(request, scope: MembershipScope(orgID: id, orgLevel: true)))
        }
        routes.post("/orgs/{id}/members", RouteOperation("Add or invite a member", description: "By email: an existing account joins at once, an unknown address gets an invitation. Refused beyond the license tier's user limit.",
                                                    tags: tags, access: .authenticated, requestBody: memberBody,
                                                    responses: [201: Self.one("Membership", "Added (the user's status tells whether they were invited)."),
                                                                404: Self.problem, 409: Self.problem, 422: Self.problem])) { request, context in
            let id = try Self.id(context, kind: "organization")
            try await context.authorize("create", on: ResourceRef(kind: "membership", id: "*", attributes: ["org_id": .string(id.lowercasedString)])
                .visible(through: Self.organizationRef(id)))
            let org = try await organization(context)
            let body = try await request.decodeJSON(as: MemberBody.self, context: context)
            try body.validate(allowed: Membership.orgRoles)
            let membership = try await addOrganizationMember(org, body: body, context: context)
            return JSONResponse(try await membershipDetail(membership), status: .created)
        }
        let change = RouteOperation("Change a member's roles", tags: tags, access: .authenticated, requestBody: Self.object(["roles": Self.strings], required: ["roles"]),
                               responses: [200: Self.one("Membership", "Updated."), 404: Self.problem, 409: Self.problem, 422: Self.problem])
        let changeHandler: @Sendable (Request, AppRequestContext) async throws -> JSONResponse = { request, context in
            let before = try await orgMembership(context)
            try await context.authorize("update", on: before.resource)
            let roles = try Self.checkRoles(try await request.decodeJSON(as: RolesBody.self, context: context).roles, for: before)
            let origin = context.eventOrigin
            let after = try await write { [store] sql -> Membership in
                if before.roles.contains("org_admin"), !roles.contains("org_admin") { try await Self.keepAnAdmin(before, in: sql) }
                return try await store.updateMembership(before, roles: roles, origin: origin, in: sql)
            }
            return JSONResponse(try await membershipDetail(after))
        }
        routes.put("/orgs/{id}/members/{user_id}", change, handler: changeHandler)
        routes.patch("/orgs/{id}/members/{user_id}", change, handler: changeHandler)
        routes.delete("/orgs/{id}/members/{user_id}", RouteOperation("Remove a member", description: "Also from the organization's teams.",
                                                                tags: tags, access: .authenticated,
                                                                responses: [204: .init("Removed."), 404: Self.problem, 409: Self.problem])) { _, context in
            let membership = try await orgMembership(context)
            try await context.authorize("delete", on: membership.resource)
            let origin = context.eventOrigin
            try await write { [store] sql in
                if membership.roles.contains("org_admin") { try await Self.keepAnAdmin(membership, in: sql) }
                try await store.deleteMembership(membership, origin: origin, in: sql)
            }
            return Response(status: .noContent)
        }

        routes.get("/orgs/{id}/teams/{team_id}/members", RouteOperation("A team's members", tags: tags, access: .authenticated,
                                                                   query: Listing.parameters(sorts: ["created_at", "email"], defaultSort: "email", filters: Self.membershipFilters),
                                                                   responses: [200: Self.list("Membership"), 404: Self.problem])) { request, context in
            let team = try await orgTeam(context)
            try await context.authorize("list_members", on: team.resource)
            return JSONResponse(try await listMemberships(request, scope: MembershipScope(teamID: team.id)))
        }
        routes.post("/orgs/{id}/teams/{team_id}/members", RouteOperation("Add a team member", description: "A member of the organization, by user_id or email.",
                                                                    tags: tags, access: .authenticated, requestBody: memberBody,
                                                                    responses: [201: Self.one("Membership", "Added."), 404: Self.problem, 409: Self.problem, 422: Self.problem])) { request, context in
            let team = try await orgTeam(context)
            try await context.authorize("add_member", on: team.resource)
            var body = try await request.decodeJSON(as: MemberBody.self, context: context)
            try body.validate(allowed: Membership.teamRoles)
            if body.userId == nil, let email = body.email {
                body.userId = try await orgMemberID(email: email, orgID: team.orgID)
            }
            let membership = try await addTeamMember(team, body: body, origin: context.eventOrigin)
            return JSONResponse(try await membershipDetail(membership), status: .created)
        }
        let teamChange = RouteOperation("Change a team member's roles", tags: tags, access: .authenticated, requestBody: Self.object(["roles": Self.strings], required: ["roles"]),
                                   responses: [200: Self.one("Membership", "Updated."), 404: Self.problem, 422: Self.problem])
        let teamChangeHandler: @Sendable (Request, AppRequestContext) async throws -> JSONResponse = { request, context in
            let (team, before) = try await teamMembership(context)
            try await context.authorize("add_member", on: team.resource)
            let roles = try Self.checkRoles(try await request.decodeJSON(as: RolesBody.self, context: context).roles, for: before)
            let origin = context.eventOrigin
            let after = try await write { [store] sql in try await store.updateMembership(before, roles: roles, origin: origin, in: sql) }
            return JSONResponse(try await membershipDetail(after))
        }
        routes.put("/orgs/{id}/teams/{team_id}/members/{user_id}", teamChange, handler: teamChangeHandler)
        routes.patch("/orgs/{id}/teams/{team_id}/members/{user_id}", teamChange, handler: teamChangeHandler)
        routes.delete("/orgs/{id}/teams/{team_id}/members/{user_id}", RouteOperation("Remove a team member", tags: tags, access: .authenticated,
                                                                                responses: [204: .init("Removed."), 404: Self.problem])) { _, context in
            let (team, membership) = try await teamMembership(context)
            try await context.authorize("remove_member", on: team.resource)
            let origin = context.eventOrigin
            try await write { [store] sql in try await store.deleteMembership(membership, origin: origin, in: sql) }
            return Response(status: .noContent)
        }
    }

    /// The org membership of `{user_id}` in `{id}` (404 when there is none, or the caller may not see the
    /// org: a stranger learns nothing).
    func orgMembership(_ context: AppRequestContext) async throws -> Membership {
        let orgID = try Self.id(context, kind: "organization")
        let userID = try Self.id(context, "user_id", kind: "member")
        let membership = try await read { [store] sql -> Membership? in
            guard try await store.organization(orgID, in: sql) != nil else { return nil }
            return try await store.membership(user: userID, org: orgID, team: nil, in: sql)
        }
        guard let membership, await context.permitted(["read"], on: Self.organizationRef(orgID)).contains("read") else {
            throw TenancyProblem.notFound("member", userID.lowercasedString)
        }
        return membership
    }

    /// The team `{team_id}` of `{id}` and the team membership of `{user_id}` in it.
    func teamMembership(_ context: AppRequestContext) async throws -> (Team, Membership) {
        let team = try await orgTeam(context)
        // A stranger must not learn who is in the team: the same 404 as for a team that does not exist.
        guard await context.permitted(["read"], on: team.resource).contains("read") else { throw TenancyProblem.notFound("team", team.id.lowercasedString) }
        let userID = try Self.id(context, "user_id", kind: "member")
        guard let membership = try await read({ [store] sql in try await store.membership(user: userID, org: team.orgID, team: team.id, in: sql) }) else {
            throw TenancyProblem.notFound("member", userID.lowercasedString)
        }
        return (team, membership)
    }

    /// The id of the org member with this address (422 when the org has none: nothing about other orgs'
    /// users is told).
    func orgMemberID(email: String, orgID: UUID) async throws -> UUID {
        let key = EmailAddress.normalize(email).lowercased()
        guard let id = try await read({ sql in
            try await sql.raw("""
                SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id
                WHERE u.email_key = \(bind: key) AND m.org_id = \(bind: orgID) AND m.team_id IS NULL
                """).first()?.decode(column: "id", as: UUID.self)
        }) else { throw TenancyProblem.invalid("email", "is not a member of this organization; add them to the organization first") }
        return id
    }

    /// Refuses to take the org's last org admin away.
    static func keepAnAdmin(_ membership: Membership, in sql: any SQLDatabase) async throws {
        let others = try await sql.raw("""
            SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.org_id = \(bind: membership.orgID) AND m.team_id IS NULL AND m.id <> \(bind: membership.id)
              AND m.roles LIKE '%"org_admin"%' AND u.status = 'active'
            """).first()?.decode(column: "n", as: Int.self) ?? 0
        if others == 0 { throw Problem.conflict("This is the organization's last active org admin; make someone else org admin first.") }
    }

    /// Adds an existing account by address or id (id: platform staff only), or invites an unknown address.
    func addOrganizationMember(_ org: Organization, body: MemberBody, context: AppRequestContext) async throws -> Membership {
        let origin = context.eventOrigin
        let roles = body.roles ?? ["member"]
        let inviter = context.principal?.attributes["email"]?.stringValue ?? "An administrator"
        if let userID = body.userId {
            guard context.principal?.roles.contains("platform_admin") == true else {
                throw TenancyProblem.invalid("user_id", "add members by email")
            }
            return try await write { [store, directory] sql in
                guard let user = try await directory.user(id: userID, in: sql) else { throw TenancyProblem.invalid("user_id", "names no user") }
                return try await store.addMembership(user: user, org: org, team: nil, roles: roles, origin: origin, in: sql)
            }
        }
        let email = EmailAddress.normalize(body.email ?? "")
        return try await write { [store, directory, invitations] sql in
            if let user = try await directory.user(email: email, in: sql) {
                return try await store.addMembership(user: user, org: org, team: nil, roles: roles, origin: origin, in: sql)
            }
            try await store.checkRoom(for: .users, in: org, in: sql)
            let user = try await directory.createUser(NewUserAccount(email: email, firstName: body.firstName ?? "", lastName: body.lastName ?? "",
                                                                     status: .invited), origin: origin, in: sql)
            let membership = try await store.addMembership(user: user, org: org, team: nil, roles: roles, origin: origin, in: sql)
            try await invitations.send(to: user, inviter: inviter, org: org.name, in: sql)
            return membership
        }
    }
}
