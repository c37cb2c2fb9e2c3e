import Foundation
import Hummingbird
import Kernel
import SQLKit

/// `/api/v1/orgs/{id}` and its teams: what members and admins of an organization do in it. Another org's
/// ids answer 404, as if they did not exist.
extension TenancyAPI {
    func addOrganizationRoutes(to routes: Routes) {
        let tags = ["organizations"]
        routes.get("/orgs/{id}", RouteOperation("Your organization", tags: tags, access: .authenticated,
                                           responses: [200: Self.one("Organization", "The organization, with its usage."), 404: Self.problem])) { _, context in
            let id = try Self.id(context, kind: "organization")
            try await context.authorize("read", on: Self.organizationRef(id))
            return JSONResponse(try await organizationDetail(try await organization(context)))
        }
        let update = RouteOperation("Update your organization", description: "Org admins change the name and slug; status, license tier and features are platform admins' (or billing's).",
                               tags: tags, access: .authenticated,
                               requestBody: Self.object(["name": Self.string, "slug": Self.string]),
                               responses: [200: Self.one("Organization", "Updated."), 403: Self.problem, 404: Self.problem, 409: Self.problem, 422: Self.problem])
        let updateHandler: @Sendable (Request, AppRequestContext) async throws -> JSONResponse = { request, context in
            let id = try Self.id(context, kind: "organization")
            try await context.authorize("update", on: Self.organizationRef(id))
            let body = try await request.decodeJSON(as: OrganizationBody.self, context: context)
            if body.licenseTier != nil || body.features != nil {
                try await context.authorize("update", on: Self.licenseRef(id))
            }
            if body.status != nil { try await context.authorize("delete", on: Self.organizationRef(id)) }
            let before = try await organization(context)
            return JSONResponse(try await updateOrganization(before, with: body, origin: context.eventOrigin).json(tiers: tiers))
        }
        routes.put("/orgs/{id}", update, handler: updateHandler)
        routes.patch("/orgs/{id}", update, handler: updateHandler)

        routes.get("/orgs/{id}/teams", RouteOperation("Your organization's teams", tags: tags, access: .authenticated,
                                                 query: Listing.parameters(sorts: ["created_at", "name"], defaultSort: "name", filters: [.init("search", "Part of the name.")]),
                                                 responses: [200: Self.list("Team"), 404: Self.problem])) { request, context in
            let id = try Self.id(context, kind: "organization")
            try await context.authorize("read", on: Self.organizationRef(id))
            _ = try await organization(context)
            return JSONResponse(try await listTeams(request, orgID: id))
        }
        routes.post("/orgs/{id}/teams", RouteOperation("Create a team", description: "Org admins; refused beyond the license tier's team limit.",
                                                  tags: tags, access: .authenticated,
                                                  requestBody: Self.object(["name": Self.string, "description": Self.string], required: ["name"]),
                                                  responses: [201: Self.one("Team", "Created."), 404: Self.problem, 409: Self.problem, 422: Self.problem])) { request, context in
            let id = try Self.id(context, kind: "organization")
            try await context.authorize("create", on: ResourceRef(kind: "team", id: "*", attributes: ["org_id": .string(id.lowercasedString)])
                .visible(through: Self.organizationRef(id)))
            let org = try await organization(context)
            let body = try await request.decodeJSON(as: TeamBody.self, context: context)
            return JSONResponse(try await createTeam(in: org, body: body, origin: context.eventOrigin).json, status: .created)
        }
        routes.get("/orgs/{id}/teams/{team_id}", RouteOperation("A team of your organization", tags: tags, access: .authenticated,
                                                           responses: [200: Self.one("Team", "The team."), 404: Self.problem])) { _, context in
            let team = try await orgTeam(context)
            try await context.authorize("read", on: team.resource)
            return JSONResponse(team.json)
        }
        let teamUpdate = RouteOperation("Update a team", description: "Org admins, and the team's admins.", tags: tags, access: .authenticated,
                                   requestBody: Self.object(["name": Self.string, "description": Self.string]),
                                   responses: [200: Self.one("Team", "Updated."), 404: Self.problem, 409: Self.problem, 422: Self.problem])
        let teamUpdateHandler: @Sendable (Request, AppRequestContext) async throws -> JSONResponse = { request, context in
            let team = try await orgTeam(context)
            try await context.authorize("update", on: team.resource)
            return JSONResponse(try await updateTeam(team, body: try await request.decodeJSON(as: TeamBody.self, context: context), origin: context.eventOrigin).json)
        }
        routes.put("/orgs/{id}/teams/{team_id}", teamUpdate, handler: teamUpdateHandler)
        routes.patch("/orgs/{id}/teams/{team_id}", teamUpdate, handler: teamUpdateHandler)
        routes.delete("/orgs/{id}/teams/{team_id}", RouteOperation("Delete a team", tags: tags, access: .authenticated,
                                                              responses: [204: .init("Deleted."), 404: Self.problem])) { _, context in
            let team = try await orgTeam(context)
            try await context.authorize("delete", on: team.resource)
            let origin = context.eventOrigin
            try await write { [store] sql in try await store.deleteTeam(team, origin: origin, in: sql) }
            return Response(status: .noContent)
        }
    }

    static func organizationRef(_ id: UUID) -> ResourceRef {
        let id = id.lowercasedString
        return ResourceRef(kind: "organization", id: id, attributes: ["org_id": .string(id)])
    }

    /// The team `{team_id}` of the org `{id}` (404 when it is another org's).
    func orgTeam(_ context: AppRequestContext) async throws -> Team {
        let orgID = try Self.id(context, kind: "organization")
        let team = try await team(context, "team_id")
        guard team.orgID == orgID else { throw TenancyProblem.notFound("team", team.id.lowercasedString) }
        return team
    }
}
