import Foundation
import HTTPTypes
import Hummingbird
import Kernel
@testable import LintelTesting

/// `test.tenancy`: stands in for the tenancy plugin. Puts the org named by `X-Test-Org` on the principal,
/// with the roles listed in `X-Test-Org-Roles` (comma-separated), and offers probe routes that authorize
/// through the Kernel's `context.authorize` against the repository's policies.
struct TenancyProbePlugin: Plugin {
    static let id: PluginID = "test.tenancy"
    static let summary = "Test tenancy: org from X-Test-Org, probe routes (test plugin)."
    var routePrefix: String { "/api/v1/probe" }

    struct Enricher: PrincipalEnricher {
        func enrich(_ principal: Principal, request: RequestHead, context: AppRequestContext) async throws -> Principal {
            var principal = principal
            if let org = request.headers[HTTPField.Name("X-Test-Org")!] {
                principal.attributes["org_id"] = .string(org)
                let roles = request.headers[HTTPField.Name("X-Test-Org-Roles")!]?.split(separator: ",").map { JSONValue.string(String($0)) } ?? []
                principal.attributes["org_roles"] = .array(roles)
            }
            return principal
        }
    }

    init(settings: NoSettings, context: PluginContext) async throws {
        try context.services.register(Enricher() as any PrincipalEnricher, as: (any PrincipalEnricher).self, by: Self.id.rawValue)
    }

    struct OrgView: ResponseEncodable { var id: String; var action: String }
    struct Allowed: ResponseEncodable { var actions: [String] }

    func routes(_ routes: Routes) {
        for (method, action) in [(HTTPRequest.Method.get, "read"), (.patch, "update"), (.delete, "delete")] {
            routes.on(method, "/orgs/{id}", Operation("\(action) an org", tags: ["probe"], access: .authenticated, responses: [200: .init("Done.")])) { _, context in
                let id = context.parameters.get("id") ?? ""
                try await context.authorize(action, on: ResourceRef(kind: "organization", id: id, attributes: ["org_id": .string(id)]))
                return OrgView(id: id, action: action)
            }
        }
        routes.get("/forgetful", Operation("Answers without authorizing", tags: ["probe"], access: .authenticated, responses: [200: .init("Never.")])) { _, _ in
            OrgView(id: "-", action: "none")
        }
        routes.get("/orgs/{id}/allowed", Operation("Which org actions the caller may take", tags: ["probe"], access: .authenticated, responses: [200: .init("Actions.")])) { _, context in
            let id = context.parameters.get("id") ?? ""
            let resource = ResourceRef(kind: "organization", id: id, attributes: ["org_id": .string(id)])
            let allowed = await context.permitted(["read", "update", "delete"], on: resource)
            try await context.authorize("read", on: resource)
            return Allowed(actions: allowed.sorted())
        }
    }
}
