import Foundation
import Hummingbird
import Kernel
import SQLKit

/// `/api/v1/orgs/{id}/license`: the org's tier, its limits and features, and how much of them is used.
/// Org admins read it; a tier changes by paying (billing, through `Licensing`) or by a platform admin.
extension TenancyAPI {
    func addLicenseRoutes(to routes: Routes) {
        let tags = ["licensing"]
        routes.get("/orgs/{id}/license", RouteOperation("Your organization's license", tags: tags, access: .authenticated,
                                                   responses: [200: .init("Tier, limits, features and usage.", schema: RouteOperation.ref("License")), 404: Self.problem])) { _, context in
            let id = try Self.id(context, kind: "organization")
            try await context.authorize("read", on: Self.licenseRef(id))
            return try await license(id)
        }
        let update = RouteOperation("Change the license", description: "Platform admins: the tier and custom features. Lowering the tier below the org's usage is allowed; additions are refused until it fits.",
                               tags: tags, access: .authenticated,
                               requestBody: Self.object(["tier": Self.string, "features": Self.strings]),
                               responses: [200: .init("The new license.", schema: RouteOperation.ref("License")), 403: Self.problem, 404: Self.problem, 422: Self.problem])
        let updateHandler: @Sendable (Request, AppRequestContext) async throws -> Response = { request, context in
            let id = try Self.id(context, kind: "organization")
            try await context.authorize("update", on: Self.licenseRef(id))
            let body = try await request.decodeJSON(as: LicenseBody.self, context: context)
            let before = try await organization(context)
            _ = try await updateOrganization(before, with: OrganizationBody(licenseTier: body.tier, features: body.features), origin: context.eventOrigin)
            return try await license(id)
        }
        routes.put("/orgs/{id}/license", update, handler: updateHandler)
        routes.patch("/orgs/{id}/license", update, handler: updateHandler)
    }

    /// Visible through the org: a member who may not see the license gets 403, a stranger 404.
    static func licenseRef(_ id: UUID) -> ResourceRef {
        let organization = organizationRef(id)
        return ResourceRef(kind: "license", id: organization.id, attributes: organization.attributes).visible(through: organization)
    }

    /// One read: the org's tier, its own features and its usage, answered as `LicenseViews.document`.
    func license(_ orgID: UUID) async throws -> Response {
        guard let facts = try await read({ sql -> LicenseViews.Facts? in
            guard let row = try await sql.raw("""
                SELECT license_tier, features,
                    (SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
                     WHERE m.org_id = organizations.id AND m.team_id IS NULL AND u.status <> 'deactivated') AS users_used,
                    (SELECT COUNT(*) FROM teams t WHERE t.org_id = organizations.id) AS teams_used
                FROM organizations WHERE id = \(bind: orgID) AND deleted_at IS NULL
                """).first() else { return nil }
            return LicenseViews.Facts(org: orgID, tier: try row.decode(column: "license_tier", as: String.self),
                                      extra: JSONText.strings(try row.decode(column: "features", as: String.self)),
                                      users: try row.decode(column: "users_used", as: Int.self), teams: try row.decode(column: "teams_used", as: Int.self))
        }) else { throw TenancyProblem.notFound("organization", orgID.lowercasedString) }
        return Response(status: .ok, headers: .json, body: .init(byteBuffer: licenseViews.body(facts)))
    }

    static let licenseSchema: JSONValue = object([
        "org_id": uuid, "tier": string,
        "limits": object(["max_users": ["type": ["integer", "null"]], "max_teams": ["type": ["integer", "null"]],
                          "api_requests": ["type": ["object", "null"]]]),
        "features": strings, "custom_features": strings, "usage": object(["users": ["type": "integer"], "teams": ["type": "integer"]]),
        "over_limit": ["type": "boolean"], "tiers": strings,
    ], required: ["org_id", "tier", "limits", "features", "usage"])
}

struct LicenseBody: Decodable, Validatable {
    var tier: String?
    var features: [String]?

    func validate(_ errors: inout ValidationErrors) {
        errors.check(tier != nil || features != nil, "tier", detail: "give tier or features")
        Bodies.features(features, &errors)
    }
}
