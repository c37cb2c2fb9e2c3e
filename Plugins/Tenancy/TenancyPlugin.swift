import Kernel

/// `tenancy`: the deployment's users (and, as it grows, organizations, teams and memberships). Provides the
/// Kernel's `Directory` to the authenticators.
public struct TenancyPlugin: Plugin {
    public static let id: PluginID = "tenancy"
    public static let summary = "Users of the deployment (the Directory the auth plugins sign people in against)."
    public static let migrations = TenancyMigrations.all

    let directory: UserDirectory

    public init(settings: NoSettings, context: PluginContext) async throws {
        directory = UserDirectory(events: context.events)
        try context.services.register(directory, as: (any Directory).self, by: Self.id.rawValue)
    }
}
