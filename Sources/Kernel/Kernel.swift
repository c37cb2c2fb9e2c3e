import Foundation
import Logging

/// A booted Lintel: configuration, database, provisioned plugins and the routes they contribute.
///
/// `boot` opens the database, applies or checks migrations, provisions the enabled plugins in `requires`
/// order (shutting down those already started if one fails), validates them and collects their routes.
public final class Kernel: Sendable {
    public static let version = "0.1.0"

    public let configuration: SiteConfiguration
    public let database: Database
    public let services: ServiceRegistry
    public let logger: Logger
    public let plugins: [any Plugin]
    let routeSets: [Routes]
    let logSink: LogSink

    /// Every route, Kernel's and plugins', in registration order.
    public var routes: [RouteEntry] { routeSets.flatMap(\.entries) }

    private init(configuration: SiteConfiguration, database: Database, services: ServiceRegistry, logger: Logger,
                 plugins: [any Plugin], routeSets: [Routes], logSink: LogSink) {
        self.configuration = configuration
        self.database = database
        self.services = services
        self.logger = logger
        self.plugins = plugins
        self.routeSets = routeSets
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
        let logger = makeLogger(configuration.logging, sink: logSink)
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
            var contexts: [PluginContext] = []
            for configured in configuration.plugins {
                var pluginLogger = logger
                pluginLogger[metadataKey: "plugin"] = .string(configured.id.rawValue)
                let context = PluginContext(pluginID: configured.id, logger: pluginLogger, database: database, services: services, site: configuration)
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

            var routeSets: [Routes] = []
            let kernelRoutes = KernelRoutes(configuration: configuration, database: database)
            routeSets.append(contentsOf: kernelRoutes.routeSets())
            for (plugin, context) in zip(started, contexts) {
                let set = Routes(owner: context.pluginID.rawValue, prefix: plugin.routePrefix)
                plugin.routes(set)
                routeSets.append(set)
            }
            try checkConflicts(routeSets.flatMap(\.entries))
            let kernel = Kernel(configuration: configuration, database: database, services: services, logger: logger,
                                plugins: started, routeSets: routeSets, logSink: logSink)
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

    static func checkConflicts(_ entries: [RouteEntry]) throws {
        var seen: [String: String] = [:]
        for entry in entries {
            let key = "\(entry.method.rawValue) \(entry.path)"
            if let owner = seen[key] {
                throw KernelError.routeConflict(method: entry.method.rawValue, path: entry.path, owners: [owner, entry.owner])
            }
            seen[key] = entry.owner
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
                              components: configuration.plugins.map { $0.type.openAPIComponents })
    }

    /// Every readiness check: the database's, then each plugin's.
    var healthChecks: [HealthCheck] {
        [HealthCheck("database") { [database] in try await database.ping() }] + plugins.flatMap { $0.healthChecks() }
    }
}
