import Foundation
import Hummingbird
import Kernel
import SQLKit

/// Impersonation: a platform admin whose session passed a second factor acts as a user, for support,
/// with a reason. The token is short-lived (`impersonation_ttl`), has no refresh token, names the admin
/// in an RFC 8693 `act` claim, and every request made with it is marked in the logs and in the events it
/// emits. Platform admins cannot be impersonated. `GET /admin/impersonation/logs` says who, whom, why,
/// when and until when.
extension TenancyAPI {
    func addImpersonationRoutes(to routes: Routes) {
        let tags = ["admin"]
        routes.post("/admin/users/{id}/impersonate", RouteOperation("Impersonate a user", description: "Platform admins with MFA; never another platform admin. `reason` is required and logged.",
                                                               tags: tags, access: .authenticated,
                                                               requestBody: Self.object(["reason": Self.string, "minutes": ["type": "integer"]], required: ["reason"]),
                                                               responses: [201: .init("A token acting as the user.", schema: Self.object([
                                                                   "access_token": Self.string, "token_type": Self.string, "expires_in": ["type": "integer"],
                                                                   "expires_at": Self.string, "impersonation_id": Self.uuid, "user": ["type": "object"],
                                                               ])), 403: Self.problem, 404: Self.problem, 409: Self.problem, 422: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let (user, _) = try await user(context)
            try await context.authorize("start", on: ResourceRef(kind: "impersonation", id: user.id.lowercasedString, attributes: [
                "target_id": .string(user.id.lowercasedString), "target_roles": .array(user.platformRoles.map { .string($0) }),
            ], concealsExistence: false))
            let body = try await request.decodeJSON(as: ImpersonationBody.self, context: context)
            return JSONResponse(try await impersonate(user, body: body, context: context), status: .created)
        }
        routes.get("/admin/impersonation/logs", RouteOperation("Impersonation log", tags: tags, access: .authenticated,
                                                          query: Listing.parameters(sorts: ["started_at"], defaultSort: "-started_at", filters: [
                                                              .init("admin_id", "Only this admin's."), .init("user_id", "Only of this user."),
                                                          ]), responses: [200: .init("A page of impersonations.", schema: ["type": "object"])])) { request, context in
            try await Self.adminGate(request, context)
            try await context.authorize("list_logs", on: ResourceRef(kind: "impersonation", id: "*", concealsExistence: false))
            return JSONResponse(try await impersonationLog(request))
        }
    }

    func impersonate(_ user: UserAccount, body: ImpersonationBody, context: AppRequestContext) async throws -> JSONValue {
        guard let tokens = services.resolve((any ImpersonationTokens).self) else {
            throw Problem.conflict("Impersonation needs a plugin that issues tokens (auth.local).")
        }
        guard user.status == .active else { throw Problem.conflict("\(user.email) is not active (status \(user.status.rawValue)).") }
        guard let adminText = context.principal?.id, let adminID = UUID(canonical: adminText) else { throw Problem.forbidden() }
        let ttl = min(settings.impersonationTTL, body.minutes.map { Duration.seconds($0 * 60) } ?? settings.impersonationTTL)
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        var platformOrigin = context.eventOrigin
        platformOrigin.orgID = nil
        let origin = platformOrigin
        let events = store.events
        let address = context.clientAddress
        let requestID = context.requestID
        return try await write { sql in
            let issued = try await tokens.issue(for: user, impersonator: adminText, ttl: ttl, in: sql)
            let id = UUID.v7()
            let now = Date()
            try await sql.raw("""
                INSERT INTO impersonations (id, admin_id, user_id, reason, started_at, expires_at, client_address, request_id)
                VALUES (\(bind: id), \(bind: adminID), \(bind: user.id), \(bind: reason), \(bind: now), \(bind: issued.expiresAt), \(bind: address), \(bind: requestID))
                """).run()
            try await events.emit("impersonation.started", payload: [
                "impersonation_id": .string(id.lowercasedString), "admin_id": .string(adminText), "user_id": .string(user.id.lowercasedString),
                "user_email": .string(user.email), "reason": .string(reason), "expires_at": .string(Timestamp.text(issued.expiresAt)),
            ], origin: origin, in: sql)
            return [
                "access_token": .string(issued.token), "token_type": "Bearer", "expires_in": .int(Int(issued.expiresAt.timeIntervalSince(now).rounded())),
                "expires_at": .string(Timestamp.text(issued.expiresAt)), "impersonation_id": .string(id.lowercasedString),
                "user": UserDirectory.summary(user),
            ]
        }
    }

    func impersonationLog(_ request: Request) async throws -> JSONValue {
        let listing = try Listing(request, sorts: ["started_at": "i.id"], defaultSort: "-started_at", idColumn: "i.id")
        let filters = Filters(request: request)
        var conditions: SQLQueryString = "1 = 1"
        if let admin = try filters.uuid("admin_id") { conditions += " AND i.admin_id = \(bind: admin)" }
        if let user = try filters.uuid("user_id") { conditions += " AND i.user_id = \(bind: user)" }
        let filter = conditions
        let from: SQLQueryString = " FROM impersonations i JOIN users a ON a.id = i.admin_id JOIN users u ON u.id = i.user_id WHERE "
        return try await read { sql in
            let rows = try await sql.raw("""
                SELECT i.id, i.admin_id, i.user_id, i.reason, i.started_at, i.expires_at, i.client_address, a.email AS admin_email, u.email AS user_email
                """ + from + filter + listing.keyset + listing.orderAndLimit).all()
            var items: [JSONValue] = []
            var keys: [[String]] = []
            for row in rows {
                let id = try row.decode(column: "id", as: UUID.self)
                items.append([
                    "id": .string(id.lowercasedString), "reason": .string(try row.decode(column: "reason", as: String.self)),
                    "admin": ["id": .string(try row.decode(column: "admin_id", as: UUID.self).lowercasedString), "email": .string(try row.decode(column: "admin_email", as: String.self))],
                    "user": ["id": .string(try row.decode(column: "user_id", as: UUID.self).lowercasedString), "email": .string(try row.decode(column: "user_email", as: String.self))],
                    "started_at": .string(Timestamp.text(try row.decode(column: "started_at", as: Date.self))),
                    "until": .string(Timestamp.text(try row.decode(column: "expires_at", as: Date.self))),
                    "client_address": (try row.decode(column: "client_address", as: String?.self)).map { .string($0) } ?? .null,
                ])
                keys.append(try listing.key(row, id: id))
            }
            let count = try await sql.raw("SELECT COUNT(*) AS n" + from + filter).first()?.decode(column: "n", as: Int.self) ?? 0
            return listing.page(items, keys: keys, count: count, request: request)
        }
    }
}

struct ImpersonationBody: Decodable, Validatable {
    var reason: String
    var minutes: Int?

    func validate(_ errors: inout ValidationErrors) {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        errors.check(trimmed.count >= 5 && trimmed.count <= 500, "reason", detail: "must say why, in 5–500 characters")
        if let minutes { errors.check((1...60).contains(minutes), "minutes", detail: "must be from 1 to 60") }
    }
}
