import Foundation
import Hummingbird
import Kernel
import SQLKit

/// `/api/v1/admin/teams`: every team, for platform staff.
extension TenancyAPI {
    static let teamSorts = ["name": "t.name_key", "created_at": "t.id"]

    func addAdminTeamRoutes(to routes: Routes) {
        let tags = ["admin"]
        let body = Self.object(["org_id": Self.uuid, "name": Self.string, "description": Self.string])
        routes.get("/admin/teams", RouteOperation("List teams", tags: tags, access: .authenticated,
                                             query: Listing.parameters(sorts: ["created_at", "name"], defaultSort: "name", filters: [
                                                 .init("org_id", "Only this organization's teams."), .init("search", "Part of the name."),
                                             ]), responses: [200: Self.list("Team")])) { request, context in
            try await Self.adminGate(request, context)
            try await context.authorize("list", on: ResourceRef(kind: "team", id: "*", concealsExistence: false))
            return JSONResponse(try await listTeams(request, orgID: try Filters(request: request).uuid("org_id")))
        }
        routes.post("/admin/teams", RouteOperation("Create a team", tags: tags, access: .authenticated, requestBody: body,
                                              responses: [201: Self.one("Team", "Created."), 409: Self.problem, 422: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let body = try await request.decodeJSON(as: TeamBody.self, context: context)
            guard let orgID = body.orgId else { throw TenancyProblem.invalid("org_id", "is required") }
            guard let org = try await read({ [store] sql in try await store.organization(orgID, in: sql) }) else {
                throw TenancyProblem.invalid("org_id", "names no organization")
            }
            try await context.authorize("create", on: ResourceRef(kind: "team", id: "*", attributes: ["org_id": .string(org.id.lowercasedString)]))
            return JSONResponse(try await createTeam(in: org, body: body, origin: context.eventOrigin).json, status: .created)
        }
        routes.get("/admin/teams/{id}", RouteOperation("A team", tags: tags, access: .authenticated,
                                                  responses: [200: Self.one("Team", "The team."), 404: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let team = try await team(context)
            try await context.authorize("read", on: team.resource)
            return JSONResponse(team.json)
        }
        let update = RouteOperation("Update a team", tags: tags, access: .authenticated, requestBody: body,
                               responses: [200: Self.one("Team", "Updated."), 404: Self.problem, 409: Self.problem, 422: Self.problem])
        let updateHandler: @Sendable (Request, AppRequestContext) async throws -> JSONResponse = { request, context in
            try await Self.adminGate(request, context)
            let team = try await team(context)
            try await context.authorize("update", on: team.resource)
            return JSONResponse(try await updateTeam(team, body: try await request.decodeJSON(as: TeamBody.self, context: context), origin: context.eventOrigin).json)
        }
        routes.put("/admin/teams/{id}", update, handler: updateHandler)
        routes.patch("/admin/teams/{id}", update, handler: updateHandler)
        routes.delete("/admin/teams/{id}", RouteOperation("Delete a team", description: "Its memberships are removed (each membership.deleted).",
                                                     tags: tags, access: .authenticated, responses: [204: .init("Deleted."), 404: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let team = try await team(context)
            try await context.authorize("delete", on: team.resource)
            let origin = context.eventOrigin
            try await write { [store] sql in try await store.deleteTeam(team, origin: origin, in: sql) }
            return Response(status: .noContent)
        }
        routes.get("/admin/teams/{id}/members", RouteOperation("List a team's members", tags: tags, access: .authenticated,
                                                          query: Listing.parameters(sorts: ["created_at", "email"], defaultSort: "email", filters: Self.membershipFilters),
                                                          responses: [200: Self.list("Membership"), 404: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let team = try await team(context)
            try await context.authorize("list_members", on: team.resource)
            return JSONResponse(try await listMemberships(request, scope: MembershipScope(teamID: team.id)))
        }
        routes.post("/admin/teams/{id}/members", RouteOperation("Add a team member", description: "The user must be a member of the team's organization.",
                                                           tags: tags, access: .authenticated,
                                                           requestBody: Self.object(["user_id": Self.uuid, "roles": Self.strings], required: ["user_id"]),
                                                           responses: [201: Self.one("Membership", "Added."), 404: Self.problem, 409: Self.problem, 422: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let team = try await team(context)
            try await context.authorize("add_member", on: team.resource)
            let body = try await request.decodeJSON(as: MemberBody.self, context: context)
            try body.validate(allowed: Membership.teamRoles)
            let membership = try await addTeamMember(team, body: body, origin: context.eventOrigin)
            return JSONResponse(try await membershipDetail(membership), status: .created)
        }
    }

    /// The team the path parameter names (404 when it does not exist or its org is deleted).
    func team(_ context: AppRequestContext, _ parameter: String = "id") async throws -> Team {
        let id = try Self.id(context, parameter, kind: "team")
        guard let team = try await read({ [store] sql in try await store.team(id, in: sql) }) else {
            throw TenancyProblem.notFound("team", id.lowercasedString)
        }
        return team
    }

    func createTeam(in org: Organization, body: TeamBody, origin: EventOrigin) async throws -> Team {
        guard let name = Bodies.trimmed(body.name) else { throw TenancyProblem.invalid("name", "is required") }
        return try await write { [store] sql in
            try await store.createTeam(in: org, name: name, description: body.description ?? "", origin: origin, in: sql)
        }
    }

    func updateTeam(_ before: Team, body: TeamBody, origin: EventOrigin) async throws -> Team {
        var after = before
        if let name = Bodies.trimmed(body.name) { after.name = name }
        if let description = body.description { after.description = description }
        let changed = after
        return try await write { [store] sql in try await store.updateTeam(before, to: changed, origin: origin, in: sql) }
    }

    /// Adds an existing member of the team's org (by `user_id`) to the team.
    func addTeamMember(_ team: Team, body: MemberBody, origin: EventOrigin) async throws -> Membership {
        guard let userID = body.userId else { throw TenancyProblem.invalid("user_id", "is required") }
        return try await write { [store, directory] sql in
            guard let user = try await directory.user(id: userID, in: sql) else { throw TenancyProblem.invalid("user_id", "names no user") }
            guard let org = try await store.organization(team.orgID, in: sql) else { throw TenancyProblem.notFound("team", team.id.lowercasedString) }
            return try await store.addMembership(user: user, org: org, team: team, roles: body.roles ?? ["member"], origin: origin, in: sql)
        }
    }

    func listTeams(_ request: Request, orgID: UUID?) async throws -> JSONValue {
        let listing = try Listing(request, sorts: Self.teamSorts, defaultSort: "name", idColumn: "t.id")
        var conditions: SQLQueryString = "o.deleted_at IS NULL"
        if let orgID { conditions += " AND t.org_id = \(bind: orgID)" }
        if let search = Filters(request: request).search() { conditions += " AND t.name_key LIKE \(bind: search) ESCAPE '\\'" }
        let filter = conditions
        let from: SQLQueryString = " FROM teams t JOIN organizations o ON o.id = t.org_id WHERE "
        let sortColumn = listing.column
        return try await read { sql in
            let rows = try await sql.raw("SELECT \(unsafeRaw: OrganizationStore.qualified(Team.columns, "t")), \(unsafeRaw: sortColumn) AS sort_key" + from
                                         + filter + listing.keyset + listing.orderAndLimit).all()
            let teams = try rows.map(Team.decode)
            let keys = try zip(rows, teams).map { try listing.key($0.0, id: $0.1.id) }
            let count = try await sql.raw("SELECT COUNT(*) AS n" + from + filter).first()?.decode(column: "n", as: Int.self) ?? 0
            return listing.page(teams.map(\.json), keys: keys, count: count, request: request)
        }
    }
}
