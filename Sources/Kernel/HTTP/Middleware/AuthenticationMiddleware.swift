import Hummingbird

/// Phase 4: the chain of authenticators plugins contribute, tried in plugin order. The first that
/// recognises the credentials decides; credentials nobody recognises are refused (401), never ignored.
/// The principal is then enriched (current org, roles there, teams) by the registered `PrincipalEnricher`,
/// and its current org becomes the request's tenant.
struct AuthenticationMiddleware: RequestPhase {
    typealias Context = AppRequestContext
    let authenticators: [any Authenticator]
    let enricher: (any PrincipalEnricher)?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        for authenticator in authenticators {
            if var principal = try await authenticator.authenticate(request, context: context) {
                if let enricher { principal = try await enricher.enrich(principal, request: request, context: context) }
                context.principal = principal
                if case .string(let orgID)? = principal.attributes["org_id"], !orgID.isEmpty { context.tenant = Tenant(orgID: orgID) }
                context.logger[metadataKey: "principal"] = .string(principal.id)
                if let impersonator = principal.impersonatorID {
                    context.logger[metadataKey: "impersonator"] = .string(impersonator)
                    context.logger.notice("impersonated request", metadata: ["method": .string(request.method.rawValue), "path": .string(request.uri.path)])
                }
                break
            }
        }
        if context.principal == nil, request.headers.contains(.authorization) {
            throw Problem.unauthorized("The credentials in the Authorization header are not accepted.",
                                       challenge: "Bearer error=\"invalid_token\", error_description=\"unsupported or invalid credentials\"")
        }
        return try await next(request, context)
    }
}
