import Foundation
import Kernel

/// `plugin auth.local { … }`: email + password accounts, the tokens Lintel issues itself, lockout, the
/// email flows and TOTP.
public struct LocalAuthSettings: BlockSettings {
    /// `password { … }`: hashing cost and the rules new passwords follow.
    public struct Password: BlockSettings {
        public var minLength: Int
        public var maxLength: Int
        public var memory: ByteSize
        public var iterations: Int
        public var parallelism: Int
        public var commonPasswords: String?

        public init(from reader: SettingsReader) {
            minLength = reader.value("min_length", default: 8, doc: "Shortest password accepted (ASVS: at least 8).",
                                     check: { $0 >= 8 ? nil : "must be at least 8 (OWASP ASVS 6.2.1)" })
            maxLength = reader.value("max_length", default: 128, doc: "Longest password accepted (at least 64; never truncated).",
                                     check: { (64...4096).contains($0) ? nil : "must be between 64 and 4096 (OWASP ASVS 6.2.9)" })
            memory = reader.value("memory", default: ByteSize(bytes: 19 * 1024 * 1024), doc: "Argon2id memory cost (OWASP minimum 19MiB).",
                                  check: { $0.bytes >= 19 * 1024 * 1024 ? nil : "must be at least 19MiB (OWASP's minimum for Argon2id)" })
            iterations = reader.value("iterations", default: 2, doc: "Argon2id passes (OWASP minimum 2 at 19MiB).",
                                      check: { (1...64).contains($0) ? nil : "must be between 1 and 64" })
            parallelism = reader.value("parallelism", default: 1, doc: "Argon2id lanes.",
                                       check: { (1...16).contains($0) ? nil : "must be between 1 and 16" })
            commonPasswords = reader.optional("common_passwords", doc: "A file of further passwords to refuse (one per line), on top of the built-in list.")
            if let path = commonPasswords, !FileManager.default.isReadableFile(atPath: path) {
                reader.fail("common_passwords", "cannot read \(path)", help: "give the path of a text file with one password per line")
            }
        }

        var hashing: PasswordHasher.Parameters {
            PasswordHasher.Parameters(memory: UInt32(memory.bytes / 1024), iterations: UInt32(iterations), parallelism: UInt32(parallelism))
        }
    }

    public var issuer: String?
    public var audience: String
    public var accessTokenTTL: Duration
    public var refreshTokenTTL: Duration
    public var signingKey: String?
    public var keyRetention: Duration
    public var maxFailedAttempts: Int
    public var accountLockoutThreshold: Int
    public var lockoutDuration: Duration
    public var loginRate: RateLimit
    public var emailRate: RateLimit
    public var registerRate: RateLimit
    public var emailVerificationRequired: Bool
    public var emailVerificationTTL: Duration
    public var passwordResetTTL: Duration
    public var frontendURL: URL
    public var sessionCheckInterval: Duration
    public var mfaTokenTTL: Duration
    public var password: Password

    public init(from reader: SettingsReader) {
        issuer = reader.optional("issuer", doc: "The tokens' `iss` (LOCAL_AUTH_ISSUER); the server's public_url when unset.")
        audience = reader.value("audience", default: "lintel", doc: "The tokens' `aud`: who they are for.")
        accessTokenTTL = reader.value("access_token_ttl", default: .seconds(900), doc: "Access token lifetime (LOCAL_AUTH_ACCESS_TOKEN_TTL, seconds or 15m).",
                                      check: { $0 >= .seconds(30) && $0 <= .seconds(86_400) ? nil : "must be between 30s and 24h" })
        refreshTokenTTL = reader.value("refresh_token_ttl", default: .seconds(604_800), doc: "Refresh token lifetime (LOCAL_AUTH_REFRESH_TOKEN_TTL).",
                                       check: { $0 >= .seconds(60) ? nil : "must be at least 60s" })
        signingKey = reader.optional("signing_key", doc: "A PEM file with the RSA private key (≥2048 bits) to sign with; when unset, keys are generated and stored encrypted with security.secret_key.")
        if let path = signingKey, !FileManager.default.isReadableFile(atPath: path) {
            reader.fail("signing_key", "cannot read \(path)", help: "give the path of a PEM file (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)")
        }
        keyRetention = reader.value("key_retention", default: .seconds(86_400), doc: "How long a rotated-out key stays published for verification (at least the access token lifetime).")
        maxFailedAttempts = reader.value("max_failed_attempts", default: 5, doc: "Failed logins from one client address before the account is locked for it (LOCAL_AUTH_MAX_FAILED_ATTEMPTS).",
                                         check: { $0 >= 1 ? nil : "must be at least 1" })
        accountLockoutThreshold = reader.value("account_lockout_threshold", default: 50, doc: "Failed logins from all addresses together before the account is locked for everyone.",
                                               check: { $0 >= 1 ? nil : "must be at least 1" })
        lockoutDuration = reader.value("lockout_duration", default: .seconds(1800), doc: "How long a lock lasts (LOCAL_AUTH_LOCKOUT_DURATION, seconds or 30m).")
        loginRate = reader.value("login_rate", default: RateLimit(limit: 20, period: .seconds(60)), doc: "Login and MFA attempts per client address.")
        emailRate = reader.value("email_rate", default: RateLimit(limit: 5, period: .seconds(3600)), doc: "Verification and reset mails requested per client address.")
        registerRate = reader.value("register_rate", default: RateLimit(limit: 10, period: .seconds(3600)), doc: "Registrations per client address.")
        emailVerificationRequired = reader.value("email_verification_required", default: true, doc: "Refuse logins until the address is verified (EMAIL_VERIFICATION_REQUIRED).")
        emailVerificationTTL = reader.value("email_verification_ttl", default: .seconds(86_400), doc: "Lifetime of a verification link (EMAIL_VERIFICATION_TOKEN_TTL).")
        passwordResetTTL = reader.value("password_reset_ttl", default: .seconds(3600), doc: "Lifetime of a password reset link (PASSWORD_RESET_TOKEN_TTL).")
        frontendURL = reader.value("frontend_url", default: URL(string: "http://localhost:5173")!, doc: "Where the links in mails point (FRONTEND_URL): {frontend_url}/verify-email?token=….")
        sessionCheckInterval = reader.value("session_check_interval", default: .seconds(5), doc: "How long a process trusts a session it checked (logout, password change and deactivation reach other processes within it).")
        mfaTokenTTL = reader.value("mfa_token_ttl", default: .seconds(300), doc: "How long the second step of an MFA login may take.")
        password = reader.block("password", doc: "Hashing cost and password rules.")
        if keyRetention < accessTokenTTL {
            reader.fail("key_retention", "a rotated-out key must stay published at least as long as the tokens it signed live",
                        help: "set key_retention to at least access_token_ttl (\(accessTokenTTL))")
        }
    }
}
