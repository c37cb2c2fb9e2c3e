import Foundation
import Hummingbird
import Kernel
import SQLKit

/// The tenancy plugin's HTTP API: what its handlers share. The route groups are in the
/// `TenancyAPI+*.swift` files.
struct TenancyAPI: Sendable {
    let database: Database
    let store: OrganizationStore
    let directory: UserDirectory
    let resolver: TenantResolver
    let invitations: Invitations
    let siteSettings: SiteSettingsStore
    let settings: TenancySettings
    let services: ServiceRegistry
    let licenseViews: LicenseViews

    static let tags = ["tenancy"]
    static let problem = RouteOperation.Reply("A problem (RFC 9457).", contentType: "application/problem+json")

    var tiers: [String: LicenseTier] { settings.tiers }

    func addRoutes(to routes: Routes) {
        addAdminOrganizationRoutes(to: routes)
        addAdminTeamRoutes(to: routes)
        addAdminUserRoutes(to: routes)
        addAdminMembershipRoutes(to: routes)
        addOrganizationRoutes(to: routes)
        addOrganizationMemberRoutes(to: routes)
        addLicenseRoutes(to: routes)
        addSiteSettingsRoutes(to: routes)
        addImpersonationRoutes(to: routes)
        addInvitationRoutes(to: routes)
    }

    /// The platform admin API's gate: staff (`platform_admin`, `support_readonly` for reads) only, 403
    /// for everyone else, before any resource is looked at.
    static func adminGate(_ request: Request, _ context: AppRequestContext) async throws {
        let action = request.method == .get ? "read" : "write"
        try await context.authorize(action, on: ResourceRef(kind: "admin_api", id: "*", concealsExistence: false))
    }

    /// The `{name}` path parameter as a UUID; anything else names nothing (404).
    static func id(_ context: AppRequestContext, _ name: String = "id", kind: String) throws -> UUID {
        let text = context.parameters.get(name) ?? ""
        guard let id = UUID(canonical: text) else { throw TenancyProblem.notFound(kind, text) }
        return id
    }

    /// Changes plus the events they emit, in one transaction; the resolver forgets what it cached once it
    /// commits.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let resolver = resolver
        return try await database.transaction { sql in
            resolver.changed()
            return try await body(sql)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await database.read(body)
    }

    // MARK: OpenAPI snippets

    static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })]
    }

    static func list(_ item: String) -> RouteOperation.Reply {
        .init("A page of \(item)s.", schema: object(["results": ["type": "array", "items": RouteOperation.ref(item)], "count": ["type": "integer"],
                                                     "next": ["type": ["string", "null"]]], required: ["results", "count", "next"]))
    }

    static func one(_ item: String, _ description: String) -> RouteOperation.Reply { .init(description, schema: RouteOperation.ref(item)) }

    static let string: JSONValue = ["type": "string"]
    static let uuid: JSONValue = ["type": "string", "format": "uuid"]
    static let strings: JSONValue = ["type": "array", "items": ["type": "string"]]
}
