/// The `security` block: the deployment secret and response hardening.
public struct SecuritySettings: BlockSettings {
    /// The reference's default `DJANGO_SECRET_KEY`; refused in production.
    public static let insecureDefaultKey = "changeme"

    public var secretKey: Secret
    public var debug: Bool
    public var hstsMaxAge: Swift.Duration
    public var contentSecurityPolicy: String

    public init(from reader: SettingsReader) {
        secretKey = reader.value("secret_key", default: Secret(Self.insecureDefaultKey),
                                 doc: "Deployment secret (DJANGO_SECRET_KEY): derives keys that encrypt data at rest. At least 32 characters in production.")
        debug = reader.value("debug", default: false,
                             doc: "Show internal error details in 500 responses (DJANGO_DEBUG). Refused in production.")
        hstsMaxAge = reader.value("hsts_max_age", default: .zero,
                                  doc: "Strict-Transport-Security max-age; 0s sends no header. Set it when served over HTTPS.")
        contentSecurityPolicy = reader.value("content_security_policy", default: "default-src 'none'; frame-ancestors 'none'",
                                             doc: "Content-Security-Policy sent with every API response.")
        guard reader.environmentName == "production" else { return }
        if secretKey.value == Self.insecureDefaultKey {
            reader.fail("secret_key", "refusing to start in production with the default secret key",
                        help: "set DJANGO_SECRET_KEY to a random value, e.g. $(openssl rand -hex 32)")
        } else if secretKey.value.count < 32 {
            reader.fail("secret_key", "the secret key is too short for production (\(secretKey.value.count) characters)",
                        help: "use at least 32 random characters, e.g. $(openssl rand -hex 32)")
        }
        if debug {
            reader.fail("debug", "refusing to start in production with debug on",
                        help: "set DJANGO_DEBUG=false; debug responses reveal internals")
        }
    }
}
