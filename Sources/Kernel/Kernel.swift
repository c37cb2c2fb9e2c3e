import Foundation
import Logging

/// A booted Lintel: configuration, database, the Kernel's services (events, jobs, mail, rate limits,
/// authorization), the provisioned plugins and the routes they contribute.
///
/// `boot` opens the database, applies or checks migrations, provisions the enabled plugins in `requires`
/// order (shutting down those already started if one fails), validates them, registers their jobs, event
/// subscriptions and schedules, and collects their routes.
public final class Kernel: Sendable {
    public static let version = "0.1.0"

    public let configuration: SiteConfiguration
    public let database: Database
    public let services: ServiceRegistry
    public let events: EventBus
    public let jobs: JobQueue
    public let mail: MailService
    public let logger: Logger
    public let plugins: [any Plugin]
    let routeSets: [Routes]
    let subscriptions: [EventSubscription]
    let schedules: [Schedule]
    let rateLimiter: RateLimiter
    /// The Kernel's and the plugins' alert sources.
    public let alertSources: [AlertSource]
    public let authorization: AuthorizationService
    let logSink: LogSink

    /// Every route, Kernel's and plugins', in registration order.
    public var routes: [RouteEntry] { routeSets.flatMap(\.entries) }

    private init(configuration: SiteConfiguration, database: Database, services: ServiceRegistry, events: EventBus, jobs: JobQueue,
                 mail: MailService, logger: Logger, plugins: [any Plugin], routeSets: [Routes], subscriptions: [EventSubscription],
                 schedules: [Schedule], rateLimiter: RateLimiter, alertSources: [AlertSource], authorization: AuthorizationService, logSink: LogSink) {
        self.configuration = configuration
        self.database = database
        self.services = services
        self.events = events
        self.jobs = jobs
        self.mail = mail
        self.logger = logger
        self.plugins = plugins
        self.routeSets = routeSets
        self.subscriptions = subscriptions
        self.schedules = schedules
        self.rateLimiter = rateLimiter
        self.alertSources = alertSources
        self.authorization = authorization
        self.logSink = logSink
    }

    /// A logger configured by `logging { … }`, labelled `lintel`.
    public static func makeLogger(_ settings: LoggingSettings, sink: LogSink = .standardError, label: String = "lintel") -> Logger {
        Logger(label: label) { label in StructuredLogHandler(label: label, level: settings.level.loggerLevel, format: settings.format, sink: sink) }
    }

    /// Every owner's migrations: the Kernel's first, then each enabled plugin's in start order.
    public static func migrationSets(for configuration: SiteConfiguration) -> [MigrationSet] {
        [MigrationSet(owner: "kernel", migrations: KernelMigrations.all)]
            + configuration.plugins.map { MigrationSet(owner: $0.id.rawValue, migrations: $0.type.migrations) }
    }

    public static func boot(_ configuration: SiteConfiguration, logSink: LogSink = .standardError) async throws -> Kernel {
        KernelMetrics.bootstrap()
        let logger = makeLogger(configuration.logging, sink: logSink)
        // Policies first: a broken policy set stops the program before anything opens.
        let authorization = try makeAuthorization(configuration, logger: logger)
        let database: Database
        do {
            database = try await Database.open(configuration.database, logger: logger)
        } catch {
            throw KernelError.databaseUnavailable(error)
        }
        var started: [any Plugin] = []
        do {
            let migrator = Migrator(database: database, sets: migrationSets(for: configuration), logger: logger)
            if configuration.database.autoMigrate {
                try await migrator.migrate()
            } else {
                let pending = try await migrator.status().filter { $0.state == .pending }
                if !pending.isEmpty { throw KernelError.pendingMigrations(pending) }
            }

            let services = ServiceRegistry()
            try services.register(authorization, as: AuthorizationService.self, by: "kernel")
            let events = EventBus(database: database)
            let jobs = JobQueue(database: database, settings: configuration.jobs)
            let mail = try MailService(transport: mailTransport(configuration.mail, logger: logger), from: configuration.mail.from,
                                       templates: configuration.plugins.flatMap { $0.type.mailTemplates })
            mail.attach(jobs)
            let store: any RateLimitStore = configuration.rateLimit.store == .database ? DatabaseRateLimitStore(database: database) : InProcessRateLimitStore()

            var contexts: [PluginContext] = []
            for configured in configuration.plugins {
                var pluginLogger = logger
                pluginLogger[metadataKey: "plugin"] = .string(configured.id.rawValue)
                let context = PluginContext(pluginID: configured.id, logger: pluginLogger, database: database, services: services,
                                            site: configuration, events: events, jobs: jobs, mail: mail, rateLimits: store)
                do {
                    started.append(try await configured.type.provision(settings: configured.settings, context: context))
                } catch {
                    throw KernelError.provisionFailed(plugin: configured.id, error: error)
                }
                contexts.append(context)
            }
            for (plugin, context) in zip(started, contexts) {
                do { try await plugin.validate(context) } catch { throw KernelError.validationFailed(plugin: context.pluginID, error: error) }
            }

            let subscriptions = started.flatMap { $0.eventSubscriptions() }
            try checkUnique(subscriptions.map(\.name), what: "event subscriber")
            try await OutboxDispatcher.register(subscriptions, database: database)
            try jobs.register([mail.job, Maintenance.definition(jobs: configuration.jobs, events: configuration.events,
                                                                 subscribers: subscriptions.map(\.name))])
            for (plugin, context) in zip(started, contexts) {
                do { try jobs.register(plugin.jobs()) } catch { throw KernelError.validationFailed(plugin: context.pluginID, error: error) }
            }
            let schedules = [Maintenance.schedule] + started.flatMap { $0.schedules() } + configuration.jobs.schedules
            try checkUnique(schedules.map(\.name), what: "schedule")
            for schedule in schedules where jobs.definitions[schedule.kind] == nil {
                throw KernelError.unknownScheduledJob(schedule: schedule.name, kind: schedule.kind, known: jobs.kinds.map(\.kind))
            }

            var routeSets: [Routes] = []
            let kernelRoutes = KernelRoutes(configuration: configuration, database: database)
            routeSets.append(contentsOf: kernelRoutes.routeSets())
            let monitor = SystemMonitor(database: database, jobs: jobs, events: events, subscriptions: subscriptions, schedules: schedules)
            routeSets.append(MonitoringRoutes(monitor: monitor, configuration: configuration).routes())
            routeSets.append(AdminJobRoutes(jobs: jobs).routes())
            let alertSources = [monitor.alertSource] + started.flatMap { $0.alertSources() }
            routeSets.append(AlertRoutes(sources: alertSources).routes())
            routeSets.append(IdentityRoutes.routes())
            for (plugin, context) in zip(started, contexts) {
                let set = Routes(owner: context.pluginID.rawValue, prefix: plugin.routePrefix)
                plugin.routes(set)
                routeSets.append(set)
            }
            let allRoutes = routeSets.flatMap(\.entries)
            try checkConflicts(allRoutes)
            let rateLimiter = RateLimiter(settings: configuration.rateLimit, store: store, organizations: services.resolve((any OrganizationRateLimits).self),
                                          exempt: Set(allRoutes.filter { !$0.operation.rateLimited }.map { "\($0.method.rawValue) \($0.path)" }))

            let kernel = Kernel(configuration: configuration, database: database, services: services, events: events, jobs: jobs, mail: mail,
                                logger: logger, plugins: started, routeSets: routeSets, subscriptions: subscriptions, schedules: schedules,
                                rateLimiter: rateLimiter, alertSources: alertSources, authorization: authorization, logSink: logSink)
            kernelRoutes.attach(kernel)
            logger.info("kernel booted", metadata: [
                "environment": .string(configuration.environmentName),
                "database": .string(configuration.database.url.configDescription),
                "plugins": .array(configuration.plugins.map { .string($0.id.rawValue) }),
            ])
            return kernel
        } catch {
            for plugin in started.reversed() { await plugin.shutdown() }
            await database.close()
            throw error
        }
    }

    /// The decision point `authorization { engine }` names: the embedded engine over the policy directory
    /// (compiled now; any problem is a `KernelError.policiesInvalid`) or a remote Cerbos.
    static func makeAuthorization(_ configuration: SiteConfiguration, logger: Logger) throws -> AuthorizationService {
        let settings = configuration.authorization
        var authLogger = logger
        authLogger[metadataKey: "component"] = "authorization"
        switch settings.engine {
        case .embedded:
            do {
                let embedded = try EmbeddedAuthorizer(settings: settings, logger: authLogger)
                authLogger.debug("policies loaded", metadata: ["directory": .string(settings.policies), "policies": .stringConvertible(embedded.engine.policies.count)])
                return AuthorizationService(authorizer: embedded, engineName: "embedded", logger: authLogger, logDecisions: settings.logDecisions)
            } catch {
                throw KernelError.policiesInvalid(directory: settings.policies, error: error)
            }
        case .cerbos(let url):
            if configuration.pdp.enabled { throw KernelError.pdpNeedsEmbeddedEngine }
            return AuthorizationService(authorizer: CerbosAuthorizer(url: url, timeout: settings.timeout, cacheTTL: settings.cacheTTL, logger: authLogger),
                                        engineName: "cerbos", logger: authLogger, logDecisions: settings.logDecisions)
        }
    }

    static func mailTransport(_ settings: MailSettings, logger: Logger) -> any Mailer {
        switch settings.transport {
        case .console: return ConsoleMailer(logger: logger)
        case .smtp: return SMTPMailer(settings: settings.smtp, defaultFrom: settings.from)
        }
    }

    static func checkUnique(_ names: [String], what: String) throws {
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted { throw KernelError.duplicateName(what: what, name: name) }
    }

    /// Every template is well formed; no method and path is registered twice; and one path has one set of
    /// parameter names (`/a/{id}` and `/a/{key}` would match the same requests, whatever the method).
    static func checkConflicts(_ entries: [RouteEntry]) throws {
        var seen: [String: String] = [:]
        var templates: [String: RouteEntry] = [:]
        for entry in entries {
            if let reason = RouteTemplate.problem(in: entry.path) {
                throw KernelError.invalidRoute(method: entry.method.rawValue, path: entry.path, owner: entry.owner, reason: reason)
            }
            let key = "\(entry.method.rawValue) \(entry.path)"
            if let owner = seen[key] {
                throw KernelError.routeConflict(method: entry.method.rawValue, path: entry.path, owners: [owner, entry.owner])
            }
            seen[key] = entry.owner
            let shape = RouteTemplate.shape(of: entry.path)
            if let other = templates[shape], other.path != entry.path {
                throw KernelError.invalidRoute(method: entry.method.rawValue, path: entry.path, owner: entry.owner,
                                               reason: "\(other.method.rawValue) \(other.path) (\(other.owner)) matches the same paths with other parameter names; use the same names")
            }
            templates[shape] = templates[shape] ?? entry
        }
    }

    /// Shuts plugins down in reverse start order, then closes the database.
    public func shutdown() async {
        for plugin in plugins.reversed() { await plugin.shutdown() }
        await database.close()
    }

    /// The OpenAPI document for the enabled plugins.
    public var openAPIDocument: JSONValue {
        OpenAPIDocument.build(title: "Lintel API", version: Self.version, serverURL: configuration.server.publicURL, routes: routes,
                              components: [["schemas": AdminJobRoutes.schemas]] + configuration.plugins.map { $0.type.openAPIComponents })
    }

    /// Every readiness check: the database's, then each plugin's.
    var healthChecks: [HealthCheck] {
        var checks = [HealthCheck("database") { [database] in try await database.ping() }]
        if let cerbos = authorization.authorizer as? CerbosAuthorizer { checks.append(cerbos.healthCheck()) }
        return checks + plugins.flatMap { $0.healthChecks() }
    }
}
