import ServiceLifecycle

/// A statically compiled module of Lintel, switched on by a `plugin <id> { … }` block in `site.conf`.
///
/// Lifecycle (as in Caddy): the Kernel decodes `Settings` from the block, then — in `requires` order —
/// provisions each enabled plugin with `init(settings:context:)` (open clients, register services), calls
/// `validate` once all are provisioned, collects what they contribute, runs the server, and finally calls
/// `shutdown` in reverse order. A failure part-way shuts down what had started.
///
/// Every contribution has an empty default, so a plugin states only what it has.
public protocol Plugin: Sendable {
    /// The settings decoded strictly from the plugin's block.
    associatedtype Settings: BlockSettings = NoSettings

    /// Namespaced id, e.g. `auth.local`.
    static var id: PluginID { get }
    /// One line saying what the plugin does, for `lintel plugins`.
    static var summary: String { get }
    /// Plugins that must be enabled and provisioned before this one.
    static var requires: [PluginID] { get }
    /// Schema changes, applied in order by `lintel migrate` (or at start with `auto_migrate`).
    static var migrations: [Migration] { get }
    /// Shared OpenAPI components (`schemas`, …) the plugin's operations refer to.
    static var openAPIComponents: JSONValue { get }
    /// Mail templates the plugin sends with `context.mail.send(template:…)`.
    static var mailTemplates: [MailTemplate] { get }
    /// Commands the plugin adds to the `lintel` command line.
    static var commands: [PluginCommand] { get }

    /// Provisions the plugin: may open connections and register services in `context.services`.
    init(settings: Settings, context: PluginContext) async throws

    /// Checks that need every plugin provisioned (a service another plugin must provide, …).
    func validate(_ context: PluginContext) async throws
    /// Where the plugin's routes are mounted.
    var routePrefix: String { get }
    /// Adds the plugin's HTTP routes.
    func routes(_ routes: Routes)
    /// Authenticators for the authentication phase, tried in plugin order.
    func authenticators() -> [any Authenticator]
    /// Committed events the plugin wants delivered (in commit order, at least once).
    func eventSubscriptions() -> [EventSubscription]
    /// Kinds of background job the plugin runs.
    func jobs() -> [JobDefinition]
    /// Periodic jobs (cron or interval), fired once per period across all processes.
    func schedules() -> [Schedule]
    /// Checks that `GET /api/v1/health/ready` runs.
    func healthChecks() -> [HealthCheck]
    /// Long-running services, started with the server and stopped after it drained.
    func services() -> [any Service]
    /// Conditions an operator must see, for `GET /api/v1/admin/alerts`.
    func alertSources() -> [AlertSource]
    /// Releases what `init` acquired.
    func shutdown() async
}

extension Plugin {
    public static var requires: [PluginID] { [] }
    public static var migrations: [Migration] { [] }
    public static var openAPIComponents: JSONValue { [:] }
    public static var mailTemplates: [MailTemplate] { [] }
    public static var commands: [PluginCommand] { [] }
    public func eventSubscriptions() -> [EventSubscription] { [] }
    public func jobs() -> [JobDefinition] { [] }
    public func schedules() -> [Schedule] { [] }
    public func validate(_ context: PluginContext) async throws {}
    public var routePrefix: String { "/api/v1" }
    public func routes(_ routes: Routes) {}
    public func authenticators() -> [any Authenticator] { [] }
    public func healthChecks() -> [HealthCheck] { [] }
    public func services() -> [any Service] { [] }
    public func alertSources() -> [AlertSource] { [] }
    public func shutdown() async {}
}

// Type-erased entry points the Kernel uses on `any Plugin.Type`.
extension Plugin {
    static func decodeSettings(_ reader: SettingsReader) -> any BlockSettings {
        Settings(from: reader)
    }

    static func describeSettings() -> [SettingsReader.Documentation] {
        SettingsReader.describe(Settings.self, blockName: "plugin \(id)")
    }

    static func provision(settings: any BlockSettings, context: PluginContext) async throws -> any Plugin {
        guard let typed = settings as? Settings else {
            preconditionFailure("settings of \(id) decoded as \(type(of: settings)), expected \(Settings.self)")
        }
        return try await Self(settings: typed, context: context)
    }
}
