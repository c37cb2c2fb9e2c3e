import CEL
/// The `rate_limit` block: GCRA limits by client IP (anonymous), by principal, globally, and per
/// organization (a hook the tenancy plugin fills from license tiers).
public struct RateLimitSettings: BlockSettings {
    public enum Store: String, ConfigEnum {
        /// Exact and free, per process: with N processes a client gets up to N times the limit.
        case memory
        /// Shared by every process through the database: one round trip per limited request.
        case database
    }

    public var enabled: Bool
    public var anonymous: RateLimit
    public var user: RateLimit
    public var global: RateLimit
    public var store: Store
    public var trustedProxies: [IPAddressRange]

    public init(from reader: SettingsReader) {
        enabled = reader.value("enabled", default: true, doc: "Apply rate limits at all.")
        anonymous = reader.value("anonymous", default: RateLimit(limit: 100, period: .seconds(3600)),
                                 doc: "Requests without credentials, per client IP (THROTTLE_RATE_ANON).")
        user = reader.value("user", default: RateLimit(limit: 1000, period: .seconds(3600)),
                            doc: "Requests per authenticated principal (THROTTLE_RATE_USER).")
        global = reader.value("global", default: RateLimit(limit: 0, period: .seconds(1)),
                              doc: "All requests to this deployment together; off by default.")
        store = reader.value("store", default: .memory, doc: "memory (per process) or database (shared by all processes).")
        trustedProxies = reader.list("trusted_proxies", default: [],
                                     doc: "Proxies whose X-Forwarded-For is believed; the client is the first address from the right that is not one of them.")
    }
}
