import Kernel

/// A count a license tier allows: a number, or `unlimited`.
public struct Quota: ConfigValue, Equatable, Comparable {
    /// `nil`: unlimited.
    public var maximum: Int?

    public init(_ maximum: Int?) { self.maximum = maximum }

    public static let unlimited = Quota(nil)
    public static var expectation: String { "a count or unlimited" }
    public static var placeholder: Quota { .unlimited }

    public static func parse(configText: String) -> Result<Quota, ConfigValueError> {
        let text = configText.lowercased()
        if text == "unlimited" || text == "off" { return .success(.unlimited) }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), value >= 0 else {
            return .failure(ConfigValueError("not a count", help: "write a number such as 25, or unlimited"))
        }
        return .success(Quota(value))
    }

    public var configDescription: String { maximum.map(String.init) ?? "unlimited" }

    /// Whether `count` items are within the quota.
    public func allows(_ count: Int) -> Bool { maximum.map { count <= $0 } ?? true }

    public static func < (lhs: Quota, rhs: Quota) -> Bool {
        switch (lhs.maximum, rhs.maximum) {
        case (let l?, let r?): l < r
        case (_?, nil): true
        default: false
        }
    }

    /// As the API shows it: a number, or `null` for unlimited.
    var json: JSONValue { maximum.map { .int($0) } ?? .null }
}

/// `tier <name> { … }`: what an organization on a license tier may have and do.
public struct LicenseTier: BlockSettings, Sendable, Equatable {
    public var users: Quota
    public var teams: Quota
    public var requests: RateLimit
    public var features: [String]

    public init(users: Quota, teams: Quota, requests: RateLimit, features: [String]) {
        self.users = users
        self.teams = teams
        self.requests = requests
        self.features = features
    }

    public init(from reader: SettingsReader) {
        users = reader.value("users", default: .unlimited, doc: "Members an organization may have (invited ones included), or unlimited.")
        teams = reader.value("teams", default: .unlimited, doc: "Teams an organization may have, or unlimited.")
        requests = reader.value("requests", default: RateLimit(limit: 0, period: .seconds(1)),
                                doc: "API requests per organization (all its members together), e.g. 1000/hour, or off.")
        features = reader.list("features", default: [], doc: "Feature flags the tier turns on (principal attribute `features`), e.g. webhooks audit_export.",
                               check: { LicenseTier.isFeatureName($0) ? nil : "must be lower-case letters, digits and underscores" })
    }

    static func isFeatureName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// The reference's tiers: free (5 users, 1 team, 100 requests/hour), starter (25, 5, 1,000/h), pro
    /// (100, unlimited teams, 10,000/h, webhooks), enterprise (unlimited, custom features, audit export).
    public static let defaults: [String: LicenseTier] = [
        "free": LicenseTier(users: Quota(5), teams: Quota(1), requests: RateLimit(limit: 100, period: .seconds(3600)), features: []),
        "starter": LicenseTier(users: Quota(25), teams: Quota(5), requests: RateLimit(limit: 1000, period: .seconds(3600)), features: []),
        "pro": LicenseTier(users: Quota(100), teams: .unlimited, requests: RateLimit(limit: 10_000, period: .seconds(3600)), features: ["webhooks"]),
        "enterprise": LicenseTier(users: .unlimited, teams: .unlimited, requests: RateLimit(limit: 0, period: .seconds(1)),
                                  features: ["webhooks", "audit_export", "custom_features"]),
    ]

    /// Lowest first, for listing.
    public static let defaultOrder = ["free", "starter", "pro", "enterprise"]

    var json: JSONValue {
        [
            "max_users": users.json, "max_teams": teams.json,
            "api_requests": requests.isOff ? .null : ["limit": .int(requests.limit), "period_seconds": .int(Int(requests.period.components.seconds))],
            "features": .array(features.map { .string($0) }),
        ]
    }
}
