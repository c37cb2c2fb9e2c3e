import Kernel

/// What the license endpoint shows of each configured tier, built once from `site.conf`: every read of
/// an org's license combines it with the org's own row and usage.
struct LicenseViews: Sendable {
    struct Tier: Sendable {
        let limits: JSONValue
        let quota: LicenseTier
        /// The tier's features, sorted: an org's features when it has none of its own.
        let features: JSONValue
    }

    let tiers: [String: Tier]
    /// Every tier's name, in the order `TenancySettings.tierNames` gives.
    let names: JSONValue
    /// For an org whose tier is no longer configured: nothing is limited, nothing is included.
    let unknown = Tier(limits: .object(["max_users": .null, "max_teams": .null, "api_requests": .null]),
                       quota: LicenseTier(users: .unlimited, teams: .unlimited, requests: RateLimit(limit: 0, period: .seconds(1)), features: []),
                       features: [])

    init(_ settings: TenancySettings) {
        var tiers: [String: Tier] = [:]
        for (name, tier) in settings.tiers {
            var limits = tier.json.objectValue ?? [:]
            limits["features"] = nil
            let features = Organization.features(tier: name, extra: [], tiers: settings.tiers)
            tiers[name] = Tier(limits: .object(limits), quota: tier, features: .array(features.map { .string($0) }))
        }
        self.tiers = tiers
        names = .array(settings.tierNames.map { .string($0) })
    }

    subscript(_ name: String) -> Tier { tiers[name] ?? unknown }
}
