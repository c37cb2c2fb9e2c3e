import Foundation
import Hummingbird
import Kernel
import SQLKit

struct CodeBody: Decodable, Validatable {
    var code: String

    func validate(_ errors: inout ValidationErrors) {
        if code.trimmingCharacters(in: .whitespaces).isEmpty { errors.add("code", detail: "is required") }
        if code.count > 64 { errors.add("code", detail: "is too long") }
    }
}

struct MFAVerifyBody: Decodable, Validatable {
    var mfaToken: String
    var code: String

    func validate(_ errors: inout ValidationErrors) {
        if mfaToken.isEmpty { errors.add("mfa_token", detail: "is required") }
        if code.trimmingCharacters(in: .whitespaces).isEmpty { errors.add("code", detail: "is required") }
        if code.count > 64 { errors.add("code", detail: "is too long") }
    }
}

/// TOTP second factor: enrolment, the second login step, recovery codes.
extension LocalAuthService {
    /// Wrong codes an MFA step survives.
    static let mfaAttempts = 5
    static let otpIssuer = "Lintel"

    /// The second step a login with MFA on answers instead of tokens.
    func mfaChallenge(for user: UserAccount) async throws -> JSONValue {
        let token = try await database.transaction { [self] sql in
            try await oneTimeTokens.issue(.mfaLogin, userID: user.id, ttl: settings.mfaTokenTTL, in: sql)
        }
        return ["mfa_required": true, "mfa_token": .string(token), "expires_in": .int(Int(settings.mfaTokenTTL.seconds))]
    }

    func mfaVerify(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        try await rateLimits.enforce("login:\(context.clientAddress)", limit: settings.loginRate)
        let body = try await request.decodeJSON(as: MFAVerifyBody.self, context: context)
        enum Outcome: Sendable { case invalidToken, wrongCode, passed(UserAccount, SecondFactors.Proof) }
        let origin = context.eventOrigin
        let outcome = try await database.transaction { [self] sql -> Outcome in
            guard let userID = try await oneTimeTokens.peek(body.mfaToken, .mfaLogin, in: sql),
                  let user = try await directory.user(id: userID, in: sql) else { return .invalidToken }
            guard let proof = try await factors.verify(userID, code: body.code, in: sql) else {
                try await oneTimeTokens.countFailure(body.mfaToken, limit: Self.mfaAttempts, in: sql)
                var origin = origin
                origin.actorID = userID.lowercasedString
                _ = try await events.emit("auth.mfa_failed", payload: [
                    "user_id": .string(userID.lowercasedString), "client_address": .string(context.clientAddress),
                ], origin: origin, in: sql)
                return .wrongCode
            }
            guard try await oneTimeTokens.redeem(body.mfaToken, .mfaLogin, in: sql) == userID else { return .invalidToken }
            return .passed(user, proof)
        }
        switch outcome {
        case .invalidToken:
            var problem = Problem.unauthorized("The MFA token is invalid, expired or used up; sign in again.", challenge: "Bearer")
            problem.type = Problem.typeURI("invalid-mfa-token")
            throw problem
        case .wrongCode:
            var problem = Problem.unauthorized("The code is not valid.", challenge: "Bearer")
            problem.type = Problem.typeURI("invalid-mfa-code")
            problem.errors = [FieldError(pointer: "/code", detail: "is not valid")]
            throw problem
        case .passed(let user, let proof):
            try Self.checkCanSignIn(user, verificationRequired: settings.emailVerificationRequired)
            return JSONResponse(try await startSession(user: user, amr: proof.amr, email: user.email, request: request, context: context))
        }
    }

    func mfaSetup(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let (userID, _) = try Self.localPrincipal(context)
        let directory = directory
        let factors = factors
        let enrolled = try await database.transaction { sql -> (TOTP, String)? in
            guard let user = try await directory.user(id: userID, in: sql), let totp = try await factors.enroll(userID, in: sql) else { return nil }
            return (totp, user.email)
        }
        guard let (totp, email) = enrolled else {
            throw Problem.conflict("MFA is already enabled; disable it first to enrol another authenticator.")
        }
        return JSONResponse([
            "secret": .string(Base32.encode(totp.secret)), "provisioning_uri": .string(totp.provisioningURI(account: email, issuer: Self.otpIssuer)),
            "message": "Add the secret to your authenticator app, then confirm with a code from it (POST /api/v1/auth/mfa/confirm).",
        ])
    }

    func mfaConfirm(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let (userID, _) = try Self.localPrincipal(context)
        let body = try await request.decodeJSON(as: CodeBody.self, context: context)
        let origin = context.eventOrigin
        let codes = try await database.transaction { [self] sql -> [String]? in
            guard try await factors.authenticator(userID, pending: true, in: sql) != nil else { return nil }
            guard let codes = try await factors.confirm(userID, code: body.code, in: sql) else { return [] }
            accountFacts.invalidateAfterCommit()
            _ = try await events.emit("auth.mfa_enabled", payload: ["user_id": .string(userID.lowercasedString), "method": "totp"], origin: origin, in: sql)
            return codes
        }
        guard let codes else { throw Problem.badRequest("No MFA enrolment is pending: POST /api/v1/auth/mfa/setup first.") }
        guard !codes.isEmpty else { throw Self.invalidCode }
        return JSONResponse([
            "message": "MFA is enabled. Keep the recovery codes somewhere safe: each works once, and they are shown only now.",
            "backup_codes": .array(codes.map { .string($0) }), "backup_codes_remaining": .int(codes.count),
        ])
    }

    func mfaDisable(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let (userID, _) = try Self.localPrincipal(context)
        let body = try await request.decodeJSON(as: CodeBody.self, context: context)
        let origin = context.eventOrigin
        let disabled = try await database.transaction { [self] sql -> Bool in
            guard try await factors.verify(userID, code: body.code, in: sql) != nil else { return false }
            try await factors.remove(userID, in: sql)
            accountFacts.invalidateAfterCommit()
            _ = try await events.emit("auth.mfa_disabled", payload: ["user_id": .string(userID.lowercasedString)], origin: origin, in: sql)
            return true
        }
        guard disabled else { throw Self.invalidCode }
        return JSONResponse(["message": "MFA has been disabled."])
    }

    func mfaRecoveryCodes(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let (userID, _) = try Self.localPrincipal(context)
        let body = try await request.decodeJSON(as: CodeBody.self, context: context)
        let origin = context.eventOrigin
        let codes = try await database.transaction { [self] sql -> [String]? in
            guard try await factors.verify(userID, code: body.code, in: sql) != nil else { return nil }
            let codes = try await factors.replaceRecoveryCodes(userID, in: sql)
            _ = try await events.emit("auth.recovery_codes_replaced", payload: ["user_id": .string(userID.lowercasedString)], origin: origin, in: sql)
            return codes
        }
        guard let codes else { throw Self.invalidCode }
        return JSONResponse(["backup_codes": .array(codes.map { .string($0) }), "message": "New recovery codes; the old ones no longer work."])
    }

    func mfaStatus(_ request: Request, context: AppRequestContext) async throws -> JSONResponse {
        let (userID, _) = try Self.localPrincipal(context, allowImpersonation: true)
        let factors = factors
        let status = try await database.read { sql in try await factors.status(userID, in: sql) }
        return JSONResponse([
            "enabled": .bool(status.enabled), "backup_codes_remaining": .int(status.recoveryCodesRemaining),
            "enabled_at": status.confirmedAt.map { .string($0.iso8601) } ?? .null,
        ])
    }

    static var invalidCode: Problem {
        Problem.validation([FieldError(pointer: "/code", detail: "is not a valid code")], detail: "The code is not valid.")
    }
}

extension OneTimeTokens {
    /// Counts a wrong answer against a token; at `limit` the token is spent.
    func countFailure(_ token: String, limit: Int, in sql: any SQLDatabase) async throws {
        try await sql.raw("""
            UPDATE auth_one_time_tokens SET attempts = attempts + 1,
                used_at = CASE WHEN attempts + 1 >= \(bind: limit) THEN \(bind: Date()) ELSE used_at END
            WHERE token_hash = \(bind: OpaqueToken.hash(token))
            """).run()
    }
}
