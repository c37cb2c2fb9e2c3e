import Foundation
import Hummingbird
import Kernel
import SQLKit

/// `POST /api/v1/auth/accept-invite`: the invited person follows the mailed link, chooses a password
/// (when auth.local keeps passwords) and the account becomes active with its address verified.
extension TenancyAPI {
    func addInvitationRoutes(to routes: Routes) {
        routes.post("/auth/accept-invite", RouteOperation("Accept an invitation", description: "With the token from the mail and a password (auth.local). The link works once.",
                                                     tags: ["auth"], access: .public,
                                                     requestBody: Self.object(["token": Self.string, "password": Self.string, "first_name": Self.string,
                                                                               "last_name": Self.string], required: ["token"]),
                                                     responses: [200: .init("Accepted: sign in now.", schema: Self.object(["message": Self.string, "email": Self.string])),
                                                                 400: Self.problem, 422: Self.problem])) { request, context in
            let body = try await request.decodeJSON(as: AcceptInvitationBody.self, context: context)
            return JSONResponse(try await acceptInvitation(body, origin: context.eventOrigin))
        }
    }

    func acceptInvitation(_ body: AcceptInvitationBody, origin: EventOrigin) async throws -> JSONValue {
        let credentials = credentials
        if credentials != nil, body.password == nil { throw TenancyProblem.invalid("password", "is required") }
        let invalid = Problem(status: .badRequest, type: Problem.typeURI("invalid-token"), title: "Invalid Or Expired Link",
                              detail: "This invitation link is invalid, expired or already used; ask for a new one.",
                              errors: [FieldError(pointer: "/token", detail: "is invalid, expired or already used")])
        // The password's rules depend on the address: look the invitation up first, without using it.
        guard let invited = try await read({ [directory] sql -> UserAccount? in
            guard OpaqueToken.isWellFormed(body.token),
                  let id = try await sql.raw("""
                      SELECT user_id FROM invitations WHERE token_hash = \(bind: OpaqueToken.hash(body.token)) AND used_at IS NULL AND expires_at > \(bind: Date())
                      """).first()?.decode(column: "user_id", as: UUID.self) else { return nil }
            return try await directory.user(id: id, in: sql)
        }), invited.status == .invited else { throw invalid }
        var hash: String?
        if let credentials, let password = body.password {
            if let problem = credentials.problem(with: password, email: invited.email) { throw TenancyProblem.invalid("password", problem) }
            hash = try await credentials.hash(password)
        }
        let stored = hash
        let user = try await write { [directory, invitations] sql -> UserAccount in
            guard let id = try await invitations.redeem(body.token, in: sql), id == invited.id,
                  let before = try await directory.user(id: id, in: sql), before.status == .invited else { throw invalid }
            var after = before
            after.status = .active
            after.emailVerified = true
            if let first = body.firstName { after.firstName = first }
            if let last = body.lastName { after.lastName = last }
            var origin = origin
            origin.actorID = id.lowercasedString
            let user = try await directory.update(before, to: after, origin: origin, in: sql)
            if let stored { try await credentials?.store(hash: stored, userID: id, in: sql) }
            return user
        }
        return ["message": "Invitation accepted; you can sign in now.", "email": .string(user.email)]
    }
}

struct AcceptInvitationBody: Decodable, Validatable {
    var token: String
    var password: String?
    var firstName: String?
    var lastName: String?

    func validate(_ errors: inout ValidationErrors) {
        errors.check(!token.isEmpty, "token", detail: "is required")
        if let firstName { errors.check(firstName.count <= 150, "first_name", detail: "must be at most 150 characters") }
        if let lastName { errors.check(lastName.count <= 150, "last_name", detail: "must be at most 150 characters") }
    }
}
