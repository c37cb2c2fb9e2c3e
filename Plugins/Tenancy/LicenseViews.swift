import Foundation
import Kernel
import NIOCore

/// What the license endpoint shows of each configured tier, built once from `site.conf`: every read of
/// an org's license combines it with the org's own row and usage.
struct LicenseViews: Sendable {
    struct Tier: Sendable {
        let limits: JSONValue
        let quota: LicenseTier
        /// The tier's features, sorted: an org's features when it has none of its own.
        let features: JSONValue
    }

    /// Everything a license document is made of.
    struct Facts: Hashable, Sendable {
        let org: UUID
        let tier: String
        let extra: [String]
        let users: Int
        let teams: Int
    }

    let tiers: [String: Tier]
    /// Every tier's name, in the order `TenancySettings.tierNames` gives.
    let names: JSONValue
    /// For an org whose tier is no longer configured: nothing is limited, nothing is included.
    let unknown = Tier(limits: .object(["max_users": .null, "max_teams": .null, "api_requests": .null]),
                       quota: LicenseTier(users: .unlimited, teams: .unlimited, requests: RateLimit(limit: 0, period: .seconds(1)), features: []),
                       features: [])
    /// Documents already written, by what they are made of: an org's license reads the same until its tier,
    /// its features or its usage change, and writing it out costs more than the read that finds them.
    private let written = BoundedMemo<Facts, ByteBuffer>(capacity: 4096)

    init(_ settings: TenancySettings) {
        var tiers: [String: Tier] = [:]
        for (name, tier) in settings.tiers {
            var limits = tier.json.objectValue ?? [:]
            limits["features"] = nil
            let features = Organization.features(of: tier, extra: [])
            tiers[name] = Tier(limits: .object(limits), quota: tier, features: .array(features.map { .string($0) }))
        }
        self.tiers = tiers
        names = .array(settings.tierNames.map { .string($0) })
    }

    subscript(_ name: String) -> Tier { tiers[name] ?? unknown }

    /// The org's tier, its limits and features (its own added to the tier's), its usage against the
    /// limits, and every tier's name.
    func document(_ facts: Facts) -> JSONValue {
        let tier = self[facts.tier]
        return [
            "org_id": .string(facts.org.lowercasedString), "tier": .string(facts.tier), "limits": tier.limits,
            "features": facts.extra.isEmpty ? tier.features : .array(Organization.features(of: tiers[facts.tier]?.quota, extra: facts.extra).map { .string($0) }),
            "custom_features": .array(facts.extra.map { .string($0) }),
            "usage": ["users": .int(facts.users), "teams": .int(facts.teams)],
            "over_limit": .bool(!tier.quota.users.allows(facts.users) || !tier.quota.teams.allows(facts.teams)),
            "tiers": names,
        ]
    }

    /// `document` as a JSON response body, written once for the same facts (compared as exact text: see
    /// `comparesExactly`; tier and feature names are plain ASCII, anything else is written each time).
    func body(_ facts: Facts) -> ByteBuffer {
        // Checked before looking: Swift's `==` finds canonically equivalent text equal, which the bytes are not.
        guard facts.tier.comparesExactly, facts.extra.comparesExactly else { return ByteBuffer(bytes: document(facts).jsonBytes) }
        if let known = written[facts] { return known }
        let body = ByteBuffer(bytes: document(facts).jsonBytes)
        written.remember(body, for: facts)
        return body
    }
}
