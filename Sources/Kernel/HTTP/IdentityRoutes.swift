import Hummingbird

/// The reference's two sanity endpoints for authentication and authorization: `GET /api/v1/ping` says who
/// the token belongs to (any authenticator's token), `GET /api/v1/protected` asks the policies about the
/// sample resource.
enum IdentityRoutes {
    /// The sample resource's org, as in the reference.
    static let sampleOrg = "org-123"

    static func routes() -> Routes {
        let api = Routes(owner: "kernel", prefix: "/api/v1")
        let ping = Operation("Who am I", description: "Answers for any authenticated principal, whichever authenticator accepted the token.",
                             tags: ["auth"], access: .signedIn,
                             responses: [200: .init("The principal.", schema: ["type": "object", "properties": [
                                 "message": ["type": "string"], "user": ["type": "string"], "claims_sub": ["type": "string"],
                                 "claims_roles": ["type": "object"], "authenticator": ["type": "string"],
                             ]]), 401: .init("No or invalid credentials.", contentType: "application/problem+json")])
        let handler: @Sendable (Request, AppRequestContext) async throws -> JSONResponse = { _, context in
            guard let principal = context.principal else { throw Problem.unauthorized() }
            return JSONResponse([
                "message": "pong", "user": principal.attributes["email"] ?? .string(principal.id), "claims_sub": .string(principal.id),
                "claims_roles": ["realm": .array(principal.roles.map { .string($0) }), "client": .array([])],
                "authenticator": .string(principal.authenticator),
            ])
        }
        api.get("/ping", ping, handler: handler)
        api.post("/ping", ping, handler: handler)
        api.get("/protected", Operation("A policy-protected sample", description: "Allowed when the policies let the principal `read` the sample resource of org \(sampleOrg).",
                                        tags: ["auth"], access: .authenticated,
                                        responses: [200: .init("Allowed."), 401: .init("Not signed in."), 403: .init("Not authorized by policy.")])) { _, context in
            try await context.authorize("read", on: ResourceRef(kind: "sample_resource", id: "resource", attributes: ["org_id": .string(sampleOrg)], concealsExistence: false))
            return JSONResponse(["message": "protected-ok", "org": .string(sampleOrg)])
        }
        return api
    }
}
