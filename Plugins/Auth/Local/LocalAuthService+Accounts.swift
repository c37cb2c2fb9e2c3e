import Foundation
import Hummingbird
import Kernel
import SQLKit

/// Registration, the email flows, password changes, the profile.
extension LocalAuthService {
    func register(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        try await rateLimits.enforce("register:\(context.clientAddress)", limit: settings.registerRate)
        let body = try await request.decodeJSON(as: RegisterBody.self, context: context)
        let email = EmailAddress.normalize(body.email)
        if let problem = passwordPolicy.problem(with: body.password, email: email) {
            throw Problem.validation([FieldError(pointer: "/password", detail: problem)])
        }
        // Hashed before anything is looked up, so a known address takes as long as a new one.
        let hash = try await hasher.hash(body.password)
        let origin = context.eventOrigin
        let verification = settings.emailVerificationRequired
        try await database.transaction { [self] sql in
            do {
                let user = try await directory.createUser(NewUserAccount(email: email, firstName: body.firstName ?? "", lastName: body.lastName ?? "",
                                                                         emailVerified: !verification), origin: origin, in: sql)
                try await sql.raw("""
                    INSERT INTO auth_passwords (user_id, password_hash, changed_at) VALUES (\(bind: user.id), \(bind: hash), \(bind: Date()))
                    """).run()
                if verification { try await sendVerification(to: user, in: sql) }
            } catch DirectoryError.emailTaken {
                // The same answer as for a new address; the owner learns of the attempt by mail.
                guard let existing = try await directory.user(email: email, in: sql), existing.status == .active else { return }
                try await mail.send(template: LocalAuthMail.alreadyRegistered, to: [existing.email], data: [
                    "name": .string(existing.displayName), "link": .string(settings.frontendURL.appendingPathComponent("forgot-password").absoluteString),
                ], in: sql)
            }
        }
        let message = verification ? "Registration successful. Please check your email to verify your account."
            : "Registration successful. You can now sign in."
        return JSONResponse(["message": .string(message), "email": .string(email)], status: .created)
    }

    func sendVerification(to user: UserAccount, in sql: any SQLDatabase) async throws {
        let token = try await oneTimeTokens.issue(.verifyEmail, userID: user.id, ttl: settings.emailVerificationTTL, in: sql)
        try await mail.send(template: LocalAuthMail.verifyEmail, to: [user.email], data: [
            "name": .string(user.displayName), "link": .string(link("verify-email", token: token)),
            "hours": .int(Int(settings.emailVerificationTTL.seconds / 3600)),
        ], in: sql)
    }

    func verifyEmail(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let token: String
        if request.method == .get {
            guard let value = request.uri.queryParameters["token"], !value.isEmpty else {
                throw Problem.validation([FieldError(pointer: "/token", detail: "is required")], detail: "Pass the token from the mail as ?token=….")
            }
            token = String(value)
        } else {
            token = try await request.decodeJSON(as: TokenBody.self, context: context).token
        }
        let origin = context.eventOrigin
        let verified = try await database.transaction { [self] sql -> Bool in
            guard let userID = try await oneTimeTokens.redeem(token, .verifyEmail, in: sql) else { return false }
            var origin = origin
            origin.actorID = userID.lowercasedString
            try await directory.markEmailVerified(userID: userID, origin: origin, in: sql)
            return true
        }
        guard verified else { throw Self.invalidLink("verification") }
        return JSONResponse(["message": "Email verified successfully"])
    }

    static func invalidLink(_ what: String) -> Problem {
        Problem(status: .badRequest, type: Problem.typeURI("invalid-token"), title: "Invalid Or Expired Link",
                detail: "This \(what) link is invalid, expired or already used; ask for a new one.",
                errors: [FieldError(pointer: "/token", detail: "is invalid, expired or already used")])
    }

    func resendVerification(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        try await rateLimits.enforce("email:\(context.clientAddress)", limit: settings.emailRate)
        let email = EmailAddress.normalize(try await request.decodeJSON(as: EmailBody.self, context: context).email)
        try await database.transaction { [self] sql in
            guard let user = try await directory.user(email: email, in: sql), user.status == .active, !user.emailVerified,
                  try await hasPassword(user.id, in: sql) else { return }
            try await sendVerification(to: user, in: sql)
        }
        return JSONResponse(["message": "If an unverified account with that email exists, a verification link has been sent."])
    }

    func forgotPassword(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        try await rateLimits.enforce("email:\(context.clientAddress)", limit: settings.emailRate)
        let email = EmailAddress.normalize(try await request.decodeJSON(as: EmailBody.self, context: context).email)
        try await database.transaction { [self] sql in
            guard let user = try await directory.user(email: email, in: sql), user.status == .active, try await hasPassword(user.id, in: sql) else { return }
            let token = try await oneTimeTokens.issue(.resetPassword, userID: user.id, ttl: settings.passwordResetTTL, in: sql)
            try await mail.send(template: LocalAuthMail.resetPassword, to: [user.email], data: [
                "name": .string(user.displayName), "link": .string(link("reset-password", token: token)),
                "minutes": .int(Int(settings.passwordResetTTL.seconds / 60)),
            ], in: sql)
        }
        return JSONResponse(["message": "If an account with that email exists, a password reset link has been sent."])
    }

    func resetPassword(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let body = try await request.decodeJSON(as: ResetPasswordBody.self, context: context)
        let directory = directory
        let oneTimeTokens = oneTimeTokens
        guard let user = try await database.read({ sql -> UserAccount? in
            guard let id = try await oneTimeTokens.peek(body.token, .resetPassword, in: sql) else { return nil }
            return try await directory.user(id: id, in: sql)
        }) else { throw Self.invalidLink("password reset") }
        if let problem = passwordPolicy.problem(with: body.password, email: user.email) {
            throw Problem.validation([FieldError(pointer: "/password", detail: problem)])
        }
        let hash = try await hasher.hash(body.password)
        let origin = context.origin(actor: user.id)
        let ended = try await database.transaction { [self] sql -> [UUID]? in
            guard try await oneTimeTokens.redeem(body.token, .resetPassword, in: sql) == user.id else { return nil }
            try await setPassword(hash, for: user.id, in: sql)
            // The link proved the address is theirs.
            try await directory.markEmailVerified(userID: user.id, origin: origin, in: sql)
            try await guardrail.clear(email: user.email, in: sql)
            let ended = try await sessions.revokeAll(userID: user.id, reason: "password_reset", in: sql)
            _ = try await events.emit("auth.password_reset", payload: [
                "user_id": .string(user.id.lowercasedString), "sessions_ended": .int(ended.count),
            ], origin: origin, in: sql)
            return ended
        }
        guard let ended else { throw Self.invalidLink("password reset") }
        self.ended(ended)
        return JSONResponse(["message": "Password has been reset successfully"])
    }

    func changePassword(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let (userID, session) = try Self.localPrincipal(context)
        try await rateLimits.enforce("login:\(context.clientAddress)", limit: settings.loginRate)
        let body = try await request.decodeJSON(as: ChangePasswordBody.self, context: context)
        let directory = directory
        guard let (user, hash) = try await database.read({ sql -> (UserAccount, String)? in
            guard let user = try await directory.user(id: userID, in: sql),
                  let hash = try await sql.raw("SELECT password_hash FROM auth_passwords WHERE user_id = \(bind: userID)").first()?
                      .decode(column: "password_hash", as: String.self) else { return nil }
            return (user, hash)
        }) else {
            throw Problem(status: .badRequest, type: Problem.typeURI("no-local-password"), title: "No Local Password",
                          detail: "Password change is only available for locally authenticated users.")
        }
        guard try await hasher.verify(body.currentPassword, against: hash) != .mismatch else {
            throw Problem.validation([FieldError(pointer: "/current_password", detail: "is incorrect")], detail: "The current password is incorrect.")
        }
        if let problem = passwordPolicy.problem(with: body.newPassword, email: user.email) {
            throw Problem.validation([FieldError(pointer: "/new_password", detail: problem)])
        }
        let newHash = try await hasher.hash(body.newPassword)
        let origin = context.eventOrigin
        let ended = try await database.transaction { [self] sql -> [UUID] in
            try await setPassword(newHash, for: userID, in: sql)
            let ended = try await sessions.revokeAll(userID: userID, except: session, reason: "password_changed", in: sql)
            _ = try await events.emit("auth.password_changed", payload: [
                "user_id": .string(userID.lowercasedString), "sessions_ended": .int(ended.count),
            ], origin: origin, in: sql)
            return ended
        }
        self.ended(ended)
        return JSONResponse(["message": "Password changed successfully", "sessions_ended": .int(ended.count)])
    }

    func me(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        guard let principal = context.principal, let id = UUID(canonical: principal.id) else { throw Problem.unauthorized() }
        // A profile read on every page load: the directory's recent view of the account and auth.local's own
        // facts, both cached for `session_check_interval` (changes made here apply at once).
        guard let user = try await directory.recentUser(id: id) else { throw TokenRejection.unknownUser.problem }
        let database = database
        let (local, mfa) = try await accountFacts.value(for: id) {
            try await database.read { sql -> AccountFacts in
                let row = try await sql.raw("""
                    SELECT EXISTS (SELECT 1 FROM auth_passwords WHERE user_id = \(bind: id)) AS has_password,
                           EXISTS (SELECT 1 FROM auth_totp WHERE user_id = \(bind: id) AND confirmed_at IS NOT NULL) AS has_mfa
                    """).first()
                return AccountFacts(hasPassword: try row?.decode(column: "has_password", as: Bool.self) ?? false,
                                    hasMFA: try row?.decode(column: "has_mfa", as: Bool.self) ?? false)
            }
        }.pair
        let provider = principal.authenticator == "auth.local" ? "local" : (local ? "both" : "oidc")
        return JSONResponse([
            "id": .string(user.id.lowercasedString), "email": .string(user.email), "username": .string(user.email),
            "first_name": .string(user.firstName), "last_name": .string(user.lastName), "name": .string(user.displayName),
            "is_active": .bool(user.status == .active), "status": .string(user.status.rawValue),
            "date_joined": .string(user.createdAt.iso8601),
            "last_login": user.lastLoginAt.map { .string($0.iso8601) } ?? .null,
            "email_verified": .bool(user.emailVerified), "auth_provider": .string(provider),
            "roles": .array(principal.roles.map { .string($0) }), "mfa_enabled": .bool(mfa),
            "amr": principal.attributes["amr"] ?? .array([]),
            "org_id": principal.attributes["org_id"].flatMap { $0 == "" ? nil : $0 } ?? .null,
            "org_roles": principal.attributes["org_roles"] ?? .array([]), "team_ids": principal.attributes["team_ids"] ?? .array([]),
            "impersonated_by": principal.impersonatorID.map { .string($0) } ?? .null,
        ])
    }

    func jwks(_ request: Request, context: AppRequestContext) async throws -> Response {
        var response = try JSONResponse(try keys.current.jwks).response(from: request, context: context)
        response.headers[.cacheControl] = "public, max-age=300"
        response.headers[.contentType] = "application/jwk-set+json"
        return response
    }

    func hasPassword(_ userID: UUID, in sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("SELECT user_id FROM auth_passwords WHERE user_id = \(bind: userID)").first() != nil
    }

    /// Stores the user's password hash, replacing any (accounts made by an admin or an invitation may have none yet).
    func setPassword(_ hash: String, for userID: UUID, in sql: any SQLDatabase) async throws {
        accountFacts.invalidateAfterCommit()
        try await sql.raw("""
            INSERT INTO auth_passwords (user_id, password_hash, changed_at) VALUES (\(bind: userID), \(bind: hash), \(bind: Date()))
            ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, changed_at = excluded.changed_at
            """).run()
    }
}
