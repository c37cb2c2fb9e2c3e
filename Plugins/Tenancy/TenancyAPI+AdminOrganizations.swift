import Foundation
import Hummingbird
import Kernel
import SQLKit

/// `/api/v1/admin/orgs`: every organization, for platform staff.
extension TenancyAPI {
    static let organizationSorts = ["name": "LOWER(name)", "slug": "slug", "created_at": "id"]

    func addAdminOrganizationRoutes(to routes: Routes) {
        let tags = ["admin"]
        let body = Self.object(["name": Self.string, "slug": Self.string, "status": ["type": "string", "enum": ["active", "suspended"]],
                                "license_tier": Self.string, "features": Self.strings])
        routes.get("/admin/orgs", RouteOperation("List organizations", tags: tags, access: .authenticated,
                                            query: Listing.parameters(sorts: Array(Self.organizationSorts.keys).sorted(), defaultSort: "name", filters: [
                                                .init("status", "active, suspended or deleted (deleted ones are listed only when asked)."),
                                                .init("tier", "Only this license tier."), .init("search", "Part of the name or slug."),
                                            ]),
                                            responses: [200: Self.list("Organization")])) { request, context in
            try await Self.adminGate(request, context)
            try await context.authorize("list", on: ResourceRef(kind: "organization", id: "*", concealsExistence: false))
            return JSONResponse(try await listOrganizations(request))
        }
        routes.post("/admin/orgs", RouteOperation("Create an organization", tags: tags, access: .authenticated, requestBody: body,
                                             responses: [201: Self.one("Organization", "Created."), 409: Self.problem, 422: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            try await context.authorize("create", on: ResourceRef(kind: "organization", id: "*", concealsExistence: false))
            let body = try await request.decodeJSON(as: OrganizationBody.self, context: context)
            guard let name = Bodies.trimmed(body.name) else { throw TenancyProblem.invalid("name", "is required") }
            let tier = try checkTier(body.licenseTier ?? settings.defaultTier)
            let origin = context.eventOrigin
            let org = try await write { sql in
                try await store.create(name: name, slug: body.slug, tier: tier, features: body.features ?? [], origin: origin, in: sql)
            }
            return JSONResponse(org.json(tiers: tiers), status: .created)
        }
        routes.get("/admin/orgs/{id}", RouteOperation("An organization", tags: tags, access: .authenticated,
                                                 responses: [200: Self.one("Organization", "The organization, with its usage."), 404: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let org = try await organization(context, includeDeleted: true)
            try await context.authorize("read", on: Self.resource(org))
            return JSONResponse(try await organizationDetail(org))
        }
        let update = RouteOperation("Update an organization", description: "Any subset of the fields; a tier change also emits license.updated.",
                               tags: tags, access: .authenticated, requestBody: body,
                               responses: [200: Self.one("Organization", "Updated."), 404: Self.problem, 409: Self.problem, 422: Self.problem])
        let updateHandler: @Sendable (Request, AppRequestContext) async throws -> JSONResponse = { request, context in
            try await Self.adminGate(request, context)
            let before = try await organization(context)
            try await context.authorize("update", on: Self.resource(before))
            let body = try await request.decodeJSON(as: OrganizationBody.self, context: context)
            return JSONResponse(try await updateOrganization(before, with: body, origin: context.eventOrigin).json(tiers: tiers))
        }
        routes.put("/admin/orgs/{id}", update, handler: updateHandler)
        routes.patch("/admin/orgs/{id}", update, handler: updateHandler)
        routes.delete("/admin/orgs/{id}", RouteOperation("Soft-delete an organization", description: "It disappears from lists and its members lose access; nothing is removed.",
                                                    tags: tags, access: .authenticated,
                                                    responses: [204: .init("Deleted."), 404: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let before = try await organization(context)
            try await context.authorize("delete", on: Self.resource(before))
            let origin = context.eventOrigin
            try await write { sql in
                var after = before
                after.deletedAt = Date()
                try await store.update(before, to: after, origin: origin, in: sql)
            }
            return Response(status: .noContent)
        }
    }

    static func resource(_ org: Organization) -> ResourceRef {
        ResourceRef(kind: "organization", id: org.id.lowercasedString, attributes: ["org_id": .string(org.id.lowercasedString)])
    }

    /// The org the `{id}` path parameter names (404 for a deleted one unless `includeDeleted`).
    func organization(_ context: AppRequestContext, _ parameter: String = "id", includeDeleted: Bool = false) async throws -> Organization {
        let id = try Self.id(context, parameter, kind: "organization")
        guard let org = try await read({ [store] sql in try await store.organization(id, includeDeleted: includeDeleted, in: sql) }) else {
            throw TenancyProblem.notFound("organization", id.lowercasedString)
        }
        return org
    }

    func checkTier(_ tier: String) throws -> String {
        guard tiers[tier] != nil else {
            throw TenancyProblem.invalid("license_tier", "must be one of \(settings.tierNames.joined(separator: ", "))")
        }
        return tier
    }

    func updateOrganization(_ before: Organization, with body: OrganizationBody, origin: EventOrigin) async throws -> Organization {
        var after = before
        if let name = Bodies.trimmed(body.name) { after.name = name }
        if let slug = body.slug { after.slug = slug }
        if let status = body.status.flatMap(Organization.Status.init) { after.status = status }
        if let tier = body.licenseTier { after.licenseTier = try checkTier(tier) }
        if let features = body.features { after.extraFeatures = Array(Set(features)).sorted() }
        let changed = after
        return try await write { [store] sql in try await store.update(before, to: changed, origin: origin, in: sql) }
    }

    /// The org with its usage against its tier's limits.
    func organizationDetail(_ org: Organization) async throws -> JSONValue {
        let usage = try await read { [store] sql in try await store.usage(org.id, in: sql) }
        var object = org.json(tiers: tiers).objectValue ?? [:]
        object["member_count"] = .int(usage.users)
        object["team_count"] = .int(usage.teams)
        return .object(object)
    }

    func listOrganizations(_ request: Request) async throws -> JSONValue {
        let listing = try Listing(request, sorts: Self.organizationSorts, defaultSort: "name", idColumn: "id")
        let filters = Filters(request: request)
        var conditions: SQLQueryString = "1 = 1"
        switch try filters.choice("status", ["active", "suspended", "deleted"]) {
        case "deleted"?: conditions += " AND deleted_at IS NOT NULL"
        case let status?: conditions += " AND deleted_at IS NULL AND status = \(bind: status)"
        case nil: conditions += " AND deleted_at IS NULL"
        }
        if let tier = filters.string("tier") { conditions += " AND license_tier = \(bind: tier)" }
        if let search = filters.search() {
            conditions += " AND (LOWER(name) LIKE \(bind: search) ESCAPE '\\' OR slug LIKE \(bind: search) ESCAPE '\\')"
        }
        let tiers = tiers
        let filter = conditions
        let sortColumn = listing.column
        return try await read { sql in
            let rows = try await sql.raw("SELECT \(unsafeRaw: Organization.columns), \(unsafeRaw: sortColumn) AS sort_key FROM organizations WHERE "
                                         + filter + listing.keyset + listing.orderAndLimit).all()
            let orgs = try rows.map(Organization.decode)
            let keys = try zip(rows, orgs).map { try listing.key($0.0, id: $0.1.id) }
            let count = try await sql.raw("SELECT COUNT(*) AS n FROM organizations WHERE " + filter).first()?.decode(column: "n", as: Int.self) ?? 0
            return listing.page(orgs.map { $0.json(tiers: tiers) }, keys: keys, count: count, request: request)
        }
    }
}
