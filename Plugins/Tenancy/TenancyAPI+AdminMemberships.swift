import Foundation
import Hummingbird
import Kernel
import SQLKit

/// `/api/v1/admin/memberships`: every membership, for platform staff.
extension TenancyAPI {
    func addAdminMembershipRoutes(to routes: Routes) {
        let tags = ["admin"]
        routes.get("/admin/memberships", RouteOperation("List memberships", tags: tags, access: .authenticated,
                                                   query: Listing.parameters(sorts: ["created_at", "email"], defaultSort: "created_at", filters: [
                                                       .init("org_id", "Only this organization's."), .init("team_id", "Only this team's."),
                                                       .init("user_id", "Only this user's."), .init("scope", "org (organization memberships) or team."),
                                                   ] + Self.membershipFilters), responses: [200: Self.list("Membership")])) { request, context in
            try await Self.adminGate(request, context)
            try await context.authorize("list", on: ResourceRef(kind: "membership", id: "*", concealsExistence: false))
            let filters = Filters(request: request)
            let scope = MembershipScope(orgID: try filters.uuid("org_id"), teamID: try filters.uuid("team_id"), userID: try filters.uuid("user_id"),
                                        orgLevel: try filters.choice("scope", ["org", "team"]).map { $0 == "org" })
            return JSONResponse(try await listMemberships(request, scope: scope))
        }
        routes.post("/admin/memberships", RouteOperation("Create a membership", description: "Of an organization, or (with team_id) of one of its teams.",
                                                    tags: tags, access: .authenticated,
                                                    requestBody: Self.object(["user_id": Self.uuid, "org_id": Self.uuid, "team_id": Self.uuid, "roles": Self.strings],
                                                                             required: ["user_id", "org_id"]),
                                                    responses: [201: Self.one("Membership", "Created."), 409: Self.problem, 422: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let body = try await request.decodeJSON(as: MembershipBody.self, context: context)
            return JSONResponse(try await membershipDetail(try await createMembership(body, context: context)), status: .created)
        }
        routes.get("/admin/memberships/{id}", RouteOperation("A membership", tags: tags, access: .authenticated,
                                                        responses: [200: Self.one("Membership", "The membership."), 404: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let membership = try await membership(context)
            try await context.authorize("read", on: membership.resource)
            return JSONResponse(try await membershipDetail(membership))
        }
        let update = RouteOperation("Change a membership's roles", tags: tags, access: .authenticated,
                               requestBody: Self.object(["roles": Self.strings], required: ["roles"]),
                               responses: [200: Self.one("Membership", "Updated."), 404: Self.problem, 422: Self.problem])
        let updateHandler: @Sendable (Request, AppRequestContext) async throws -> JSONResponse = { request, context in
            try await Self.adminGate(request, context)
            let before = try await membership(context)
            try await context.authorize("update", on: before.resource)
            let body = try await request.decodeJSON(as: RolesBody.self, context: context)
            let roles = try Self.checkRoles(body.roles, for: before)
            let origin = context.eventOrigin
            let after = try await write { [store] sql in try await store.updateMembership(before, roles: roles, origin: origin, in: sql) }
            return JSONResponse(try await membershipDetail(after))
        }
        routes.put("/admin/memberships/{id}", update, handler: updateHandler)
        routes.patch("/admin/memberships/{id}", update, handler: updateHandler)
        routes.delete("/admin/memberships/{id}", RouteOperation("Delete a membership", description: "Deleting an organization membership also removes the user from that organization's teams.",
                                                           tags: tags, access: .authenticated, responses: [204: .init("Deleted."), 404: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let membership = try await membership(context)
            try await context.authorize("delete", on: membership.resource)
            let origin = context.eventOrigin
            try await write { [store] sql in try await store.deleteMembership(membership, origin: origin, in: sql) }
            return Response(status: .noContent)
        }
    }

    func membership(_ context: AppRequestContext, _ parameter: String = "id") async throws -> Membership {
        let id = try Self.id(context, parameter, kind: "membership")
        guard let membership = try await read({ [store] sql in try await store.membership(id, in: sql) }) else {
            throw TenancyProblem.notFound("membership", id.lowercasedString)
        }
        return membership
    }

    /// Roles valid for the membership's level (org or team), or 422.
    static func checkRoles(_ roles: [String], for membership: Membership) throws -> [String] {
        var errors = ValidationErrors()
        Bodies.roles(roles, allowed: membership.teamID == nil ? Membership.orgRoles : Membership.teamRoles, "roles", &errors)
        if !errors.isEmpty { throw Problem.validation(errors.items) }
        return roles
    }

    /// A membership from a body naming user, org and optionally team; authorized as `create` on it.
    func createMembership(_ body: MembershipBody, context: AppRequestContext) async throws -> Membership {
        guard let userID = body.userId else { throw TenancyProblem.invalid("user_id", "is required") }
        guard let orgID = body.orgId else { throw TenancyProblem.invalid("org_id", "is required") }
        var attributes: [String: JSONValue] = ["org_id": .string(orgID.lowercasedString), "user_id": .string(userID.lowercasedString),
                                               "owner_id": .string(userID.lowercasedString)]
        if let team = body.teamId { attributes["team_id"] = .string(team.lowercasedString) }
        try await context.authorize("create", on: ResourceRef(kind: "membership", id: "*", attributes: attributes, concealsExistence: false))
        let origin = context.eventOrigin
        return try await write { [store, directory] sql in
            guard let user = try await directory.user(id: userID, in: sql) else { throw TenancyProblem.invalid("user_id", "names no user") }
            guard let org = try await store.organization(orgID, in: sql) else { throw TenancyProblem.invalid("org_id", "names no organization") }
            var team: Team?
            if let teamID = body.teamId {
                guard let found = try await store.team(teamID, in: sql), found.orgID == org.id else {
                    throw TenancyProblem.invalid("team_id", "names no team of that organization")
                }
                team = found
            }
            return try await store.addMembership(user: user, org: org, team: team, roles: body.roles ?? ["member"], origin: origin, in: sql)
        }
    }
}
