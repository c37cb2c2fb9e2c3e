import Foundation
import Kernel

/// `tenancy`: users, organizations, teams, memberships, license tiers, site settings, invitations and
/// impersonation, with the platform-admin and org-scoped APIs. Provides the Kernel's `Directory` (to the
/// authenticators), `PrincipalEnricher` (current org, roles there, license), `OrganizationRateLimits`
/// (the tiers' request rates) and `Licensing` (to billing).
public struct TenancyPlugin: Plugin {
    public typealias Settings = TenancySettings

    public static let id: PluginID = "tenancy"
    public static let summary = "Users, organizations, teams, memberships, license tiers, site settings, invitations, impersonation and the admin APIs."
    public static let migrations = TenancyMigrations.all
    public static let mailTemplates = Invitations.templates
    public static let openAPIComponents: JSONValue = ["schemas": TenancySchemas.all]

    let directory: UserDirectory
    let api: TenancyAPI

    public init(settings: TenancySettings, context: PluginContext) async throws {
        directory = UserDirectory(database: context.database, events: context.events, interval: settings.membershipCheckInterval)
        let resolver = TenantResolver(database: context.database, tiers: settings.tiers, interval: settings.membershipCheckInterval)
        let store = OrganizationStore(events: context.events, tiers: settings.tiers)
        let siteSettings = SiteSettingsStore(database: context.database, events: context.events, interval: settings.membershipCheckInterval)
        let invitations = Invitations(mail: context.mail, frontendURL: settings.frontendURL, ttl: settings.invitationTTL,
                                      siteName: { (try? await siteSettings.current().values["site_name"]?.stringValue) ?? "Lintel" })
        api = TenancyAPI(database: context.database, store: store, directory: directory, resolver: resolver, invitations: invitations,
                         siteSettings: siteSettings, settings: settings, services: context.services,
                         licenseViews: LicenseViews(settings))
        try context.services.register(directory, as: (any Directory).self, by: Self.id.rawValue)
        try context.services.register(resolver, as: (any PrincipalEnricher).self, by: Self.id.rawValue)
        try context.services.register(resolver, as: (any OrganizationRateLimits).self, by: Self.id.rawValue)
        try context.services.register(TenancyLicensing(database: context.database, store: store, settings: settings, resolver: resolver),
                                      as: (any Licensing).self, by: Self.id.rawValue)
    }

    public func routes(_ routes: Routes) { api.addRoutes(to: routes) }
}

/// `Licensing` for billing: moves an org between tiers (`license.updated`).
struct TenancyLicensing: Licensing {
    let database: Database
    let store: OrganizationStore
    let settings: TenancySettings
    let resolver: TenantResolver

    var tierNames: [String] { settings.tierNames }

    func tier(of orgID: UUID, in sql: any SQLDatabase) async throws -> String? {
        try await store.organization(orgID, in: sql)?.licenseTier
    }

    func setTier(_ tier: String, of orgID: UUID, origin: EventOrigin, in sql: any SQLDatabase) async throws {
        guard settings.tiers[tier] != nil else { throw TenancyProblem.invalid("tier", "must be one of \(settings.tierNames.joined(separator: ", "))") }
        guard let before = try await store.organization(orgID, in: sql) else { throw TenancyProblem.notFound("organization", orgID.lowercasedString) }
        var after = before
        after.licenseTier = tier
        resolver.changed()
        try await store.update(before, to: after, origin: origin, in: sql)
    }
}

import SQLKit
