import Kernel

/// auth.local's endpoints, at the reference's paths.
extension LocalAuthService {
    static let tags = ["auth"]

    static func message(_ description: String) -> Operation.Reply {
        .init(description, schema: ["type": "object", "properties": ["message": ["type": "string"]]])
    }

    static func object(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })]
    }

    static let tokens: JSONValue = object([
        "access_token": ["type": "string"], "refresh_token": ["type": "string"], "token_type": ["type": "string", "enum": ["Bearer"]],
        "expires_in": ["type": "integer"],
    ], required: ["access_token", "refresh_token", "token_type", "expires_in"])

    static let problem = Operation.Reply("A problem (RFC 9457).", contentType: "application/problem+json")

    func addRoutes(to routes: Routes) {
        let auth = "/api/v1/auth"
        let string: JSONValue = ["type": "string"]
        routes.post("\(auth)/register", Operation("Register with email and password", tags: Self.tags, access: .public,
                                                   requestBody: Self.object(["email": string, "password": string, "password_confirm": string,
                                                                             "first_name": string, "last_name": string], required: ["email", "password"]),
                                                   responses: [201: Self.message("Registered (the same answer whether or not the address was known)."),
                                                               422: Self.problem, 429: Self.problem]), handler: register)
        routes.post("\(auth)/login", Operation("Sign in", description: "Answers the same for an unknown address and a wrong password.",
                                                tags: Self.tags, access: .public,
                                                requestBody: Self.object(["email": string, "password": string], required: ["email", "password"]),
                                                responses: [200: .init("Tokens, or `mfa_required` with an `mfa_token`.", schema: Self.tokens),
                                                            401: Self.problem, 403: Self.problem, 429: Self.problem]), handler: login)
        routes.post("\(auth)/refresh", Operation("Exchange a refresh token", description: "Rotates the refresh token; a reused one revokes its session.",
                                                  tags: Self.tags, access: .public,
                                                  requestBody: Self.object(["refresh_token": string], required: ["refresh_token"]),
                                                  responses: [200: .init("New tokens.", schema: Self.tokens), 401: Self.problem]), handler: refresh)
        routes.post("\(auth)/logout", Operation("Sign out", description: "Ends this session (and the refresh token's, if given); `all: true` ends every session.",
                                                 tags: Self.tags, access: .signedIn,
                                                 requestBody: Self.object(["refresh_token": string, "all": ["type": "boolean"]], required: []),
                                                 responses: [200: Self.message("Signed out."), 401: Self.problem]), handler: logout)
        routes.get("\(auth)/me", Operation("The signed-in user", tags: Self.tags, access: .signedIn,
                                            responses: [200: .init("The user."), 401: Self.problem]), handler: me)
        routes.post("\(auth)/verify-email", Operation("Verify an email address", tags: Self.tags, access: .public,
                                                       requestBody: Self.object(["token": string], required: ["token"]),
                                                       responses: [200: Self.message("Verified."), 400: Self.problem]), handler: verifyEmail)
        routes.get("\(auth)/verify-email", Operation("Verify an email address (link)", tags: Self.tags, access: .public,
                                                      query: [.init("token", "The token from the mail.", required: true)],
                                                      responses: [200: Self.message("Verified."), 400: Self.problem]), handler: verifyEmail)
        routes.post("\(auth)/resend-verification", Operation("Send a new verification link", tags: Self.tags, access: .public,
                                                              requestBody: Self.object(["email": string], required: ["email"]),
                                                              responses: [200: Self.message("The same answer for every address."), 429: Self.problem]),
                    handler: resendVerification)
        routes.post("\(auth)/forgot-password", Operation("Send a password reset link", tags: Self.tags, access: .public,
                                                          requestBody: Self.object(["email": string], required: ["email"]),
                                                          responses: [200: Self.message("The same answer for every address."), 429: Self.problem]),
                    handler: forgotPassword)
        routes.post("\(auth)/reset-password", Operation("Set a new password with a reset link", description: "Ends every session of the account.",
                                                         tags: Self.tags, access: .public,
                                                         requestBody: Self.object(["token": string, "password": string, "password_confirm": string],
                                                                                  required: ["token", "password"]),
                                                         responses: [200: Self.message("Reset."), 400: Self.problem, 422: Self.problem]), handler: resetPassword)
        routes.post("\(auth)/change-password", Operation("Change the password", description: "Ends the account's other sessions.",
                                                          tags: Self.tags, access: .signedIn,
                                                          requestBody: Self.object(["current_password": string, "new_password": string,
                                                                                    "new_password_confirm": string], required: ["current_password", "new_password"]),
                                                          responses: [200: Self.message("Changed."), 400: Self.problem, 422: Self.problem]),
                    handler: changePassword)
        let code = Self.object(["code": string], required: ["code"])
        routes.post("\(auth)/mfa/verify", Operation("Complete a login with a second factor", description: "A TOTP code or a recovery code, with the `mfa_token` the login answered.",
                                                     tags: Self.tags, access: .public,
                                                     requestBody: Self.object(["mfa_token": string, "code": string], required: ["mfa_token", "code"]),
                                                     responses: [200: .init("Tokens.", schema: Self.tokens), 401: Self.problem, 429: Self.problem]), handler: mfaVerify)
        routes.post("\(auth)/mfa/setup", Operation("Start enrolling a TOTP authenticator", tags: Self.tags, access: .signedIn,
                                                    responses: [200: .init("The secret and its otpauth:// URI."), 409: Self.problem]), handler: mfaSetup)
        routes.post("\(auth)/mfa/confirm", Operation("Confirm the authenticator with a code", tags: Self.tags, access: .signedIn, requestBody: code,
                                                      responses: [200: .init("MFA on; the recovery codes."), 400: Self.problem, 422: Self.problem]), handler: mfaConfirm)
        routes.post("\(auth)/mfa/disable", Operation("Turn MFA off (needs a code)", tags: Self.tags, access: .signedIn, requestBody: code,
                                                      responses: [200: Self.message("MFA off."), 422: Self.problem]), handler: mfaDisable)
        routes.post("\(auth)/mfa/backup-codes", Operation("Replace the recovery codes (needs a code)", tags: Self.tags, access: .signedIn, requestBody: code,
                                                           responses: [200: .init("New recovery codes."), 422: Self.problem]), handler: mfaRecoveryCodes)
        routes.get("\(auth)/mfa/status", Operation("Whether MFA is on", tags: Self.tags, access: .signedIn,
                                                   responses: [200: .init("Status.")]), handler: mfaStatus)
        routes.get("/.well-known/jwks.json", Operation("The keys that verify auth.local's tokens (JWKS)", tags: Self.tags, access: .public, rateLimited: false,
                                                        responses: [200: .init("A JWK set.", contentType: "application/jwk-set+json")]), handler: jwks)
    }
}
