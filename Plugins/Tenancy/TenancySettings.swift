import Foundation
import Kernel

/// `plugin tenancy { … }`: license tiers, invitations, impersonation.
public struct TenancySettings: BlockSettings {
    /// Every tier by name: the reference's four, changed or extended by `tier <name> { … }` blocks.
    public var tiers: [String: LicenseTier]
    public var defaultTier: String
    public var invitationTTL: Duration
    public var frontendURL: URL
    public var membershipCheckInterval: Duration
    public var impersonationTTL: Duration

    public init(from reader: SettingsReader) {
        var tiers = LicenseTier.defaults
        for (name, _, tier) in reader.namedBlocks("tier", doc: "A license tier (free, starter, pro and enterprise exist by default; a block replaces or adds one).") as [(String, SourcePosition, LicenseTier)] {
            tiers[name] = tier
        }
        self.tiers = tiers
        defaultTier = reader.value("default_tier", default: "free", doc: "The tier a new organization starts on.")
        invitationTTL = reader.value("invitation_ttl", default: .seconds(7 * 86_400), doc: "How long an invitation link works.",
                                     check: { $0 >= .seconds(300) ? nil : "must be at least 5m" })
        frontendURL = reader.value("frontend_url", default: URL(string: "http://localhost:5173")!,
                                   doc: "Where invitation links point (FRONTEND_URL): {frontend_url}/accept-invite?token=….")
        membershipCheckInterval = reader.value("membership_check_interval", default: .seconds(5),
                                               doc: "How long a process trusts the memberships, roles and license it read for a principal (changes made by this process apply at once).")
        impersonationTTL = reader.value("impersonation_ttl", default: .seconds(900), doc: "Lifetime of an impersonation token (at most 1h).",
                                        check: { $0 >= .seconds(60) && $0 <= .seconds(3600) ? nil : "must be between 1m and 1h" })
        if tiers[defaultTier] == nil {
            reader.fail("default_tier", "no tier named '\(defaultTier)'", help: "use one of \(tiers.keys.sorted().joined(separator: ", ")) or define it with tier \(defaultTier) { … }")
        }
    }

    /// Tier names, the reference's four first (lowest to highest), then the others alphabetically.
    public var tierNames: [String] {
        LicenseTier.defaultOrder.filter { tiers[$0] != nil } + tiers.keys.filter { !LicenseTier.defaultOrder.contains($0) }.sorted()
    }
}
