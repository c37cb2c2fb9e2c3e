import Foundation
import Hummingbird
import Kernel
import SQLKit

/// `/api/v1/admin/users`: every account, for platform staff.
extension TenancyAPI {
    func addAdminUserRoutes(to routes: Routes) {
        let tags = ["admin"]
        let userBody = Self.object(["email": Self.string, "first_name": Self.string, "last_name": Self.string, "platform_roles": Self.strings,
                                    "status": ["type": "string", "enum": ["active", "deactivated"]], "email_verified": ["type": "boolean"],
                                    "password": Self.string])
        routes.get("/admin/users", RouteOperation("List users", tags: tags, access: .authenticated,
                                             query: Listing.parameters(sorts: UserDirectory.sorts.keys.sorted(), defaultSort: "email", filters: [
                                                 .init("status", "active, invited or deactivated."), .init("role", "A platform role."),
                                                 .init("org_id", "Only members of this organization."), .init("org_role", "With org_id: only this org role."),
                                                 .init("search", "Part of the email or name."),
                                             ]), responses: [200: Self.list("User")])) { request, context in
            try await Self.adminGate(request, context)
            try await context.authorize("list", on: ResourceRef(kind: "user", id: "*", concealsExistence: false))
            let listing = try Listing(request, sorts: UserDirectory.sorts, defaultSort: "email", idColumn: "id")
            let (items, keys, count) = try await directory.list(request, listing: listing)
            return JSONResponse(listing.page(items, keys: keys, count: count, request: request))
        }
        routes.post("/admin/users", RouteOperation("Create a user", description: "Active at once; with `password` (auth.local) they can sign in, without it they set one through forgot-password.",
                                              tags: tags, access: .authenticated, requestBody: userBody,
                                              responses: [201: Self.one("User", "Created."), 409: Self.problem, 422: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            try await context.authorize("create", on: ResourceRef(kind: "user", id: "*", concealsExistence: false))
            let body = try await request.decodeJSON(as: UserBody.self, context: context)
            return JSONResponse(UserDirectory.json(try await createUser(body, origin: context.eventOrigin)), status: .created)
        }
        routes.post("/admin/users/invite", RouteOperation("Invite a user", description: "Creates an invited account (and its memberships) and mails a single-use link.",
                                                     tags: tags, access: .authenticated,
                                                     requestBody: Self.object(["email": Self.string, "first_name": Self.string, "last_name": Self.string,
                                                                               "org_id": Self.uuid, "roles": Self.strings, "team_id": Self.uuid,
                                                                               "team_roles": Self.strings], required: ["email"]),
                                                     responses: [201: Self.one("User", "Invited."), 409: Self.problem, 422: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            try await context.authorize("invite", on: ResourceRef(kind: "user", id: "*", concealsExistence: false))
            let body = try await request.decodeJSON(as: InviteBody.self, context: context)
            return JSONResponse(UserDirectory.json(try await invite(body, context: context)), status: .created)
        }
        routes.get("/admin/users/{id}", RouteOperation("A user", tags: tags, access: .authenticated,
                                                  responses: [200: Self.one("User", "The user, with their organizations."), 404: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let (user, resource) = try await user(context)
            try await context.authorize("read", on: resource)
            var object = UserDirectory.json(user).objectValue ?? [:]
            object["org_ids"] = resource.attributes["org_ids"] ?? []
            return JSONResponse(.object(object))
        }
        let update = RouteOperation("Update a user", description: "Any subset of the fields; `status: deactivated` deactivates, `active` reactivates.",
                               tags: tags, access: .authenticated, requestBody: userBody,
                               responses: [200: Self.one("User", "Updated."), 404: Self.problem, 409: Self.problem, 422: Self.problem])
        let updateHandler: @Sendable (Request, AppRequestContext) async throws -> JSONResponse = { request, context in
            try await Self.adminGate(request, context)
            let (before, resource) = try await user(context)
            try await context.authorize("update", on: resource)
            let body = try await request.decodeJSON(as: UserBody.self, context: context)
            return JSONResponse(UserDirectory.json(try await updateUser(before, body: body, context: context)))
        }
        routes.put("/admin/users/{id}", update, handler: updateHandler)
        routes.patch("/admin/users/{id}", update, handler: updateHandler)
        routes.delete("/admin/users/{id}", RouteOperation("Deactivate a user", description: "They cannot sign in any more and their sessions and refresh tokens are revoked; nothing is removed.",
                                                     tags: tags, access: .authenticated, responses: [204: .init("Deactivated."), 404: Self.problem, 409: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let (user, resource) = try await user(context)
            try await context.authorize("delete", on: resource)
            guard user.id.lowercasedString != context.principal?.id else { throw Problem.conflict("You cannot deactivate your own account.") }
            let origin = context.eventOrigin
            try await write { [directory] sql in try await directory.deactivate(user, origin: origin, in: sql) }
            return Response(status: .noContent)
        }
        routes.get("/admin/users/{id}/memberships", RouteOperation("A user's memberships", tags: tags, access: .authenticated,
                                                              query: Listing.parameters(sorts: ["created_at", "email"], defaultSort: "created_at", filters: []),
                                                              responses: [200: Self.list("Membership"), 404: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let (user, resource) = try await user(context)
            try await context.authorize("list_memberships", on: resource)
            return JSONResponse(try await listMemberships(request, scope: MembershipScope(userID: user.id)))
        }
        routes.post("/admin/users/{id}/memberships", RouteOperation("Add a membership", tags: tags, access: .authenticated,
                                                               requestBody: Self.object(["org_id": Self.uuid, "team_id": Self.uuid, "roles": Self.strings], required: ["org_id"]),
                                                               responses: [201: Self.one("Membership", "Added."), 404: Self.problem, 409: Self.problem, 422: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let (user, resource) = try await user(context)
            try await context.authorize("add_membership", on: resource)
            var body = try await request.decodeJSON(as: MembershipBody.self, context: context)
            body.userId = user.id
            return JSONResponse(try await membershipDetail(try await createMembership(body, context: context)), status: .created)
        }
        routes.post("/admin/users/{id}/resend-invite", RouteOperation("Resend an invitation", description: "A new link replaces the old one.",
                                                                 tags: tags, access: .authenticated,
                                                                 responses: [200: .init("Sent."), 404: Self.problem, 409: Self.problem])) { request, context in
            try await Self.adminGate(request, context)
            let (user, resource) = try await user(context)
            try await context.authorize("resend_invite", on: resource)
            guard user.status == .invited else { throw Problem.conflict("\(user.email) is not an invited user (status \(user.status.rawValue)).") }
            let inviter = context.principal?.attributes["email"]?.stringValue ?? "An administrator"
            try await write { [invitations] sql in try await invitations.send(to: user, inviter: inviter, org: nil, in: sql) }
            return JSONResponse(["message": "Invitation sent.", "email": .string(user.email)])
        }
    }

    /// The user the path names, with the resource policies see (404 when there is none).
    func user(_ context: AppRequestContext, _ parameter: String = "id") async throws -> (UserAccount, ResourceRef) {
        let id = try Self.id(context, parameter, kind: "user")
        guard let found = try await read({ [directory] sql -> (UserAccount, ResourceRef)? in
            guard let user = try await directory.user(id: id, in: sql) else { return nil }
            return (user, try await directory.resource(user, in: sql))
        }) else { throw TenancyProblem.notFound("user", id.lowercasedString) }
        return found
    }

    var credentials: (any PasswordCredentials)? { services.resolve((any PasswordCredentials).self) }

    func createUser(_ body: UserBody, origin: EventOrigin) async throws -> UserAccount {
        guard let email = body.email.map(EmailAddress.normalize) else { throw TenancyProblem.invalid("email", "is required") }
        var hash: String?
        if let password = body.password {
            guard let credentials else { throw TenancyProblem.invalid("password", "cannot be set: no plugin here keeps passwords (enable auth.local)") }
            if let problem = credentials.problem(with: password, email: email) { throw TenancyProblem.invalid("password", problem) }
            hash = try await credentials.hash(password)
        }
        let new = NewUserAccount(email: email, firstName: body.firstName ?? "", lastName: body.lastName ?? "", status: .active,
                                 platformRoles: body.normalizedRoles ?? ["user"], emailVerified: body.emailVerified ?? true)
        let credentials = credentials
        let stored = hash
        return try await write { [directory] sql in
            let user: UserAccount
            do { user = try await directory.createUser(new, origin: origin, in: sql) } catch DirectoryError.emailTaken {
                throw TenancyProblem.taken("email", "An account with the address \(email) exists.")
            }
            if let stored { try await credentials?.store(hash: stored, userID: user.id, in: sql) }
            return user
        }
    }

    func updateUser(_ before: UserAccount, body: UserBody, context: AppRequestContext) async throws -> UserAccount {
        guard body.password == nil else { throw TenancyProblem.invalid("password", "cannot be changed here; the user resets it (forgot-password)") }
        var after = before
        if let email = body.email.map(EmailAddress.normalize) { after.email = email }
        if let first = body.firstName { after.firstName = first }
        if let last = body.lastName { after.lastName = last }
        if let roles = body.normalizedRoles { after.platformRoles = roles }
        if let verified = body.emailVerified { after.emailVerified = verified }
        let deactivate = body.status == "deactivated" && before.status != .deactivated
        if body.status == "active", before.status == .deactivated { after.status = .active }
        if before.id.lowercasedString == context.principal?.id, deactivate || (before.platformRoles.contains("platform_admin") && !after.platformRoles.contains("platform_admin")) {
            throw Problem.conflict("You cannot deactivate yourself or take away your own platform_admin role.")
        }
        let origin = context.eventOrigin
        let changed = after
        return try await write { [directory] sql in
            var updated = try await directory.update(before, to: changed, origin: origin, in: sql)
            if deactivate {
                try await directory.deactivate(updated, origin: origin, in: sql)
                updated.status = .deactivated
            }
            return updated
        }
    }

    /// Creates an invited account with its memberships and mails the link.
    func invite(_ body: InviteBody, context: AppRequestContext) async throws -> UserAccount {
        let email = EmailAddress.normalize(body.email)
        let origin = context.eventOrigin
        let inviter = context.principal?.attributes["email"]?.stringValue ?? "An administrator"
        return try await write { [directory, store, invitations] sql in
            let user: UserAccount
            do {
                user = try await directory.createUser(NewUserAccount(email: email, firstName: body.firstName ?? "", lastName: body.lastName ?? "",
                                                                     status: .invited), origin: origin, in: sql)
            } catch DirectoryError.emailTaken {
                throw TenancyProblem.taken("email", "An account with the address \(email) exists; add it to the organization instead.")
            }
            var orgName: String?
            if let orgID = body.orgId {
                guard let org = try await store.organization(orgID, in: sql) else { throw TenancyProblem.invalid("org_id", "names no organization") }
                orgName = org.name
                _ = try await store.addMembership(user: user, org: org, team: nil, roles: body.roles ?? ["member"], origin: origin, in: sql)
                if let teamID = body.teamId {
                    guard let team = try await store.team(teamID, in: sql), team.orgID == org.id else {
                        throw TenancyProblem.invalid("team_id", "names no team of that organization")
                    }
                    _ = try await store.addMembership(user: user, org: org, team: team, roles: body.teamRoles ?? ["member"], origin: origin, in: sql)
                }
            }
            try await invitations.send(to: user, inviter: inviter, org: orgName, in: sql)
            return user
        }
    }
}
