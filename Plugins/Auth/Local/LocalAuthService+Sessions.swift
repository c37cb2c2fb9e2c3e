import Foundation
import Hummingbird
import Kernel
import SQLKit

/// Login, refresh, logout.
extension LocalAuthService {
    static let invalidCredentials = "Invalid email or password."

    func login(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        try await rateLimits.enforce("login:\(context.clientAddress)", limit: settings.loginRate)
        let body = try await request.decodeJSON(as: LoginBody.self, context: context)
        let email = EmailAddress.normalize(body.email)
        let client = context.clientAddress
        let guardrail = guardrail
        // A lock is checked first: while it lasts no password is tried (and no hash is spent).
        if case .locked(let until) = try await database.read({ sql in try await guardrail.verdict(email: email, client: client, in: sql) }) {
            throw Self.locked(until: until)
        }
        let directory = directory
        let found = try await database.read { sql -> (UserAccount, String)? in
            guard let user = try await directory.user(email: email, in: sql),
                  let hash = try await sql.raw("SELECT password_hash FROM auth_passwords WHERE user_id = \(bind: user.id)").first()?
                      .decode(column: "password_hash", as: String.self) else { return nil }
            return (user, hash)
        }
        guard let (user, hash) = found else {
            // The same work as for a real account, so time tells nothing either.
            try await hasher.verifyDummy(body.password)
            throw try await loginFailed(email: email, user: nil, reason: "unknown_account", context: context)
        }
        let outcome = try await hasher.verify(body.password, against: hash)
        if outcome == .mismatch { throw try await loginFailed(email: email, user: user, reason: "wrong_password", context: context) }
        // The password is right: from here on, answers may say more.
        if case .matchNeedsRehash(let rehash) = outcome {
            try await database.transaction { sql in
                try await sql.raw("UPDATE auth_passwords SET password_hash = \(bind: rehash) WHERE user_id = \(bind: user.id)").run()
            }
        }
        try Self.checkCanSignIn(user, verificationRequired: settings.emailVerificationRequired)
        let factors = factors
        if try await database.read({ sql in try await factors.status(user.id, in: sql).enabled }) {
            return JSONResponse(try await mfaChallenge(for: user))
        }
        return JSONResponse(try await startSession(user: user, amr: ["pwd"], email: email, request: request, context: context))
    }

    /// Opens a session for `user` (password, and second factor when `amr` says so) and mints its tokens.
    func startSession(user: UserAccount, amr: [String], email: String, request: Request, context: AppRequestContext) async throws -> JSONValue {
        let origin = context.origin(actor: user.id)
        let userAgent = request.headers[.userAgent] ?? ""
        return try await database.transaction { [self] sql in
            try await guardrail.recordSuccess(email: email, client: context.clientAddress, in: sql)
            let (session, refresh) = try await sessions.start(userID: user.id, amr: amr, client: context.clientAddress, userAgent: userAgent, in: sql)
            try await directory.recordLogin(userID: user.id, at: Date(), in: sql)
            _ = try await events.emit("auth.login_succeeded", payload: [
                "user_id": .string(user.id.lowercasedString), "session_id": .string(session.id.lowercasedString),
                "amr": .array(amr.map { .string($0) }), "client_address": .string(context.clientAddress),
            ], origin: origin, in: sql)
            let access = try await accessToken(for: user, session: session, in: sql)
            return issuer.response(accessToken: access, refreshToken: refresh ?? "")
        }
    }

    /// Records a failed password check (and the lock it may cause) and returns the answer: the same for an
    /// unknown address and a wrong password.
    func loginFailed(email: String, user: UserAccount?, reason: String, context: AppRequestContext) async throws -> Problem {
        let client = context.clientAddress
        var failedOrigin = context.eventOrigin
        failedOrigin.actorID = user?.id.lowercasedString
        let origin = failedOrigin
        let lock = try await database.transaction { [self] sql -> (until: Date, everyone: Bool)? in
            var payload: JSONValue = ["email": .string(email), "client_address": .string(client), "reason": .string(reason)]
            if let user { payload = payload.merging(["user_id": .string(user.id.lowercasedString)]) }
            _ = try await events.emit("auth.login_failed", payload: payload, origin: origin, in: sql)
            guard let lock = try await guardrail.recordFailure(email: email, client: client, in: sql) else { return nil }
            _ = try await events.emit("auth.account_locked", payload: payload.merging([
                "locked_until": .string(lock.until.iso8601), "scope": .string(lock.everyone ? "account" : "client"),
                "failure_limit": .int(lock.everyone ? settings.accountLockoutThreshold : settings.maxFailedAttempts),
            ]), origin: origin, in: sql)
            if let user, user.status == .active {
                try await mail.send(template: LocalAuthMail.accountLocked, to: [user.email], data: [
                    "name": .string(user.displayName), "client": .string(client), "until": .string(lock.until.iso8601),
                    "scope": .string(lock.everyone ? "from everywhere" : "from that address"), "link": .string(link("forgot-password", token: "")),
                ], in: sql)
            }
            return lock
        }
        if lock != nil { logger.notice("login locked", metadata: ["client": .string(client)]) }
        var problem = Problem.unauthorized(Self.invalidCredentials, challenge: "Bearer")
        problem.type = Problem.typeURI("invalid-credentials")
        return problem
    }

    static func locked(until: Date) -> Problem {
        let seconds = max(1, Int(until.timeIntervalSinceNow.rounded(.up)))
        var problem = Problem(status: .tooManyRequests, type: Problem.typeURI("login-locked"), title: "Too Many Failed Sign-ins",
                              detail: "Too many failed sign-in attempts for this account. Try again in \((seconds + 59) / 60) minute\((seconds + 59) / 60 == 1 ? "" : "s"), or reset your password.")
        problem.headers[.retryAfter] = String(seconds)
        return problem
    }

    /// Whether a user whose password (and second factor) checked out may have a session.
    static func checkCanSignIn(_ user: UserAccount, verificationRequired: Bool) throws {
        switch user.status {
        case .active: break
        case .deactivated:
            throw Problem(status: .forbidden, type: Problem.typeURI("account-disabled"), title: "Account Disabled", detail: "This account is deactivated.")
        case .invited:
            throw Problem(status: .forbidden, type: Problem.typeURI("invitation-pending"), title: "Invitation Pending",
                          detail: "This account has not been activated yet: accept the invitation first.")
        }
        if verificationRequired && !user.emailVerified {
            throw Problem(status: .forbidden, type: Problem.typeURI("email-not-verified"), title: "Email Not Verified",
                          detail: "Please verify your email address before signing in; POST /api/v1/auth/resend-verification sends a new link.")
        }
    }

    func refresh(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let body = try await request.decodeJSON(as: RefreshBody.self, context: context)
        enum Outcome: Sendable { case tokens(JSONValue), invalid, reused(UUID) }
        let origin = context.eventOrigin
        let outcome = try await database.transaction { [self] sql -> Outcome in
            switch try await sessions.exchange(body.refreshToken, in: sql) {
            case .invalid:
                return .invalid
            case .reused(let session):
                guard try await sessions.revoke(session.id, reason: "refresh_token_reused", in: sql) else { return .invalid }
                var origin = origin
                origin.actorID = session.userID.lowercasedString
                _ = try await events.emit("auth.refresh_token_reused", payload: [
                    "user_id": .string(session.userID.lowercasedString), "session_id": .string(session.id.lowercasedString),
                    "client_address": .string(context.clientAddress),
                ], origin: origin, in: sql)
                return .reused(session.id)
            case .rotated(let session, let next):
                guard let user = try await directory.user(id: session.userID, in: sql), user.status == .active else {
                    try await sessions.revoke(session.id, reason: "account_inactive", in: sql)
                    return .invalid
                }
                return .tokens(issuer.response(accessToken: try await accessToken(for: user, session: session, in: sql), refreshToken: next))
            }
        }
        switch outcome {
        case .tokens(let tokens):
            return JSONResponse(tokens)
        case .reused(let session):
            ended([session])
            logger.warning("refresh token reused; session revoked", metadata: ["session": .string(session.lowercasedString)])
            throw Self.invalidRefreshToken
        case .invalid:
            throw Self.invalidRefreshToken
        }
    }

    static var invalidRefreshToken: Problem {
        var problem = Problem.unauthorized("The refresh token is invalid, expired or revoked; sign in again.", challenge: "Bearer")
        problem.type = Problem.typeURI("invalid-refresh-token")
        return problem
    }

    func logout(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let principal = try Self.localPrincipal(context, allowImpersonation: true)
        let body = request.headers[.contentType] == nil ? LogoutBody() : try await request.decodeJSON(as: LogoutBody.self, context: context)
        // Under impersonation only the impersonation session itself ends.
        if context.principal?.impersonatorID != nil, body.all == true || body.refreshToken != nil { _ = try Self.localPrincipal(context) }
        let userID = principal.user
        let origin = context.eventOrigin
        let ended = try await database.transaction { [self] sql -> [UUID] in
            var ended: [UUID] = []
            if body.all == true {
                ended = try await sessions.revokeAll(userID: userID, reason: "logout", in: sql)
            } else {
                var targets = [principal.session]
                if let token = body.refreshToken, let other = try await sessions.session(ofRefreshToken: token, in: sql),
                   try await sql.raw("SELECT user_id FROM auth_sessions WHERE id = \(bind: other)").first()?.decode(column: "user_id", as: UUID.self) == userID {
                    targets.append(other)
                }
                for id in Set(targets) where try await sessions.revoke(id, reason: "logout", in: sql) { ended.append(id) }
            }
            _ = try await events.emit("auth.logout", payload: [
                "user_id": .string(userID.lowercasedString), "sessions": .array(ended.map { .string($0.lowercasedString) }),
            ], origin: origin, in: sql)
            return ended
        }
        self.ended(ended)
        return JSONResponse(["message": "Logged out successfully", "sessions_ended": .int(ended.count)])
    }

    /// The user and session of a request made with an auth.local token.
    /// The user and session of a password sign-in here. Credentials and second factors (password, MFA) are
    /// the user's own: an admin acting as them under impersonation is refused.
    static func localPrincipal(_ context: AppRequestContext, allowImpersonation: Bool = false) throws -> (user: UUID, session: UUID) {
        if !allowImpersonation, context.principal?.impersonatorID != nil {
            throw Problem(status: .forbidden, type: Problem.typeURI("impersonation-forbidden"), title: "Not While Impersonating",
                          detail: "A user's password and second factors are theirs alone; this is refused under impersonation.")
        }
        guard let principal = context.principal, principal.authenticator == "auth.local",
              let user = UUID(canonical: principal.id), let session = principal.attributes["sid"]?.stringValue.flatMap({ UUID(canonical: $0) }) else {
            throw Problem(status: .badRequest, type: Problem.typeURI("not-a-local-session"), title: "Not a Local Session",
                          detail: "This applies to sessions signed in with a password here; sign out at your identity provider instead.")
        }
        return (user, session)
    }
}
