import Logging

/// What a plugin is given when it is provisioned.
public struct PluginContext: Sendable {
    /// The plugin being provisioned.
    public let pluginID: PluginID
    /// A logger whose lines carry `"plugin": "<id>"`.
    public let logger: Logger
    /// The deployment's database.
    public let database: Database
    /// Capabilities provided by plugins (and the Kernel), by protocol.
    public let services: ServiceRegistry
    /// The Kernel's settings and the selected environment.
    public let site: SiteConfiguration
    /// Emits domain events into the transactional outbox.
    public let events: EventBus
    /// Enqueues background jobs.
    public let jobs: JobQueue
    /// Sends mail (durably, through the job queue).
    public let mail: MailService
    /// The deployment's rate-limit state (in-process or shared, per `rate_limit { store }`), for limits a
    /// plugin applies itself (login attempts per address, …).
    public let rateLimits: any RateLimitStore

    /// The environment name (`development`, `production`, …).
    public var environmentName: String { site.environmentName }
}
