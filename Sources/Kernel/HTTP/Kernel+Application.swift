import Hummingbird
import HTTPTypes
import Logging
import ServiceLifecycle
import Foundation

extension Kernel {
    /// The HTTP application: the router with the Kernel's middleware phases in their fixed order, every
    /// route, `405 Method Not Allowed` answers for known paths, and the services to run beside the server.
    public func makeApplication() -> Application<KernelResponder> {
        let renderer = ProblemRenderer(debug: configuration.security.debug)
        let middlewares: [KernelResponder.Middleware] = [
            RequestIDMiddleware(maxBodySize: configuration.server.maxBodySize.bytes, renderer: renderer, authorization: authorization),
            AccessLogMiddleware(accessLog: configuration.logging.accessLog, renderer: renderer),
            SecurityHeadersMiddleware(cors: configuration.cors, security: configuration.security, allowedHosts: configuration.server.allowedHosts, renderer: renderer),
            AnonymousRateLimitMiddleware(limiter: rateLimiter),
            AuthenticationMiddleware(authenticators: plugins.flatMap { $0.authenticators() }, enricher: services.resolve((any PrincipalEnricher).self)),
            PrincipalRateLimitMiddleware(limiter: rateLimiter),
        ]
        var handlers: [KernelResponder.Route] = []
        for set in routeSets {
            for (entry, handler) in zip(set.entries, set.handlers) { handlers.append((entry.method, entry.path, handler)) }
        }
        handlers += methodNotAllowedHandlers()
        let responder = KernelResponder(routes: handlers, middlewares: middlewares)

        let listen = configuration.server.listen
        let logger = self.logger
        var services: [any Service] = plugins.flatMap { $0.services() }
        if configuration.jobs.workers { services += backgroundServices() }
        if let embedded = authorization.authorizer as? EmbeddedAuthorizer {
            services.append(PolicyWatcher(engine: embedded.engine, directory: embedded.directory, loadedFingerprint: embedded.loadedFingerprint,
                                          interval: configuration.authorization.watch, logger: authorization.logger))
            if configuration.pdp.enabled {
                services.append(PDPServer(engine: embedded.engine, settings: configuration.pdp, logger: logger).application())
            }
        }
        return Application(
            responder: responder,
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: nil),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                logger.info("listening", metadata: ["url": .string("http://\(HostPort(host: listen.host, port: port).configDescription)")])
            },
            logger: logger
        )
    }

    /// For each known path, the methods it lacks answer 405 with `Allow` (and plain `OPTIONS` 204 with `Allow`).
    private func methodNotAllowedHandlers() -> [KernelResponder.Route] {
        var methods: [String: [HTTPRequest.Method]] = [:]
        var order: [String] = []
        for entry in routes {
            if methods[entry.path] == nil { order.append(entry.path) }
            methods[entry.path, default: []].append(entry.method)
        }
        let candidates: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]
        var handlers: [KernelResponder.Route] = []
        for path in order {
            var allowed = methods[path]!
            if allowed.contains(.get), !allowed.contains(.head) { allowed.append(.head) }
            allowed.append(.options)
            let allowedList = allowed
            for method in candidates where !allowed.contains(method) || method == .options {
                if method == .options, methods[path]!.contains(.options) { continue }
                handlers.append((method, path, { request, _ -> Response in
                    if request.method == .options {
                        return Response(status: .noContent, headers: [.allow: allowedList.map(\.rawValue).joined(separator: ", ")])
                    }
                    throw Problem.methodNotAllowed(request.method, allowed: allowedList)
                }))
            }
        }
        return handlers
    }

    /// The job worker (for `queues`, default all), the event dispatcher and the scheduler.
    public func backgroundServices(queues: [String]? = nil) -> [any Service] {
        var names = Set(configuration.jobs.queues.keys)
        for definition in jobs.kinds { names.insert(definition.queue) }
        for schedule in schedules { if let queue = schedule.queue { names.insert(queue) } }
        let owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        return [
            JobWorker(queue: jobs, events: events, queues: (queues ?? names.sorted()), logger: logger),
            OutboxDispatcher(database: database, bus: events, subscriptions: subscriptions, settings: configuration.events, owner: owner, logger: logger),
            Scheduler(schedules: schedules, queue: jobs, logger: logger),
        ]
    }

    /// Runs only the background services (`lintel worker`) until SIGTERM or SIGINT.
    public func work(queues: [String]?) async throws {
        var groupConfiguration = ServiceGroupConfiguration(services: backgroundServices(queues: queues),
                                                           gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.jobs.shutdownTimeout + .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        do { try await group.run() } catch {
            await shutdown()
            throw error
        }
        await shutdown()
        logger.info("stopped")
    }

    /// Runs the server until SIGTERM or SIGINT, waits up to `server { shutdown_timeout }` for in-flight
    /// requests, then shuts the plugins down and closes the database.
    public func serve() async throws {
        let app = makeApplication()
        var groupConfiguration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.server.shutdownTimeout
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
        logger.info("stopped")
    }
}
