import Foundation
import Hummingbird
import NIOCore

/// `/api/v1/monitoring/…`: Prometheus metrics (text and JSON), queue, task and worker figures with the
/// reference's paths (`celery/health`, `celery/stats` kept as aliases), and the admin-only overview.
struct MonitoringRoutes: Sendable {
    let monitor: SystemMonitor
    let configuration: SiteConfiguration

    func routes() -> Routes {
        let routes = Routes(owner: "kernel", prefix: "/api/v1/monitoring")
        routes.get("/metrics", Operation("Prometheus metrics", description: "Text exposition format 0.0.4: HTTP, jobs, events, process.",
                                         tags: ["monitoring"], access: .public, rateLimited: false,
                                         responses: [200: .init("Metrics.", schema: ["type": "string"], contentType: "text/plain")])) { [monitor] _, _ in
            await monitor.recordGauges()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: KernelMetrics.prometheusText())))
        }
        routes.get("/metrics/json", Operation("Metrics as JSON", description: "The Prometheus samples as `{name: {type, samples: [{labels, value}]}}`.",
                                              tags: ["monitoring"], access: .public, rateLimited: false,
                                              responses: [200: .init("Metrics.", schema: ["type": "object"])])) { [monitor] _, _ in
            await monitor.recordGauges()
            return JSONResponse(KernelMetrics.json(fromPrometheusText: KernelMetrics.prometheusText()))
        }
        routes.get("/queues", Operation("Queue depths", description: "Jobs per queue and state, the dead-letter queue (`dlq`), and event subscribers.",
                                        tags: ["monitoring"], access: .public, responses: [200: .init("Queues.", schema: ["type": "object"])])) { _, _ in
            try await queues()
        }
        routes.get("/tasks", Operation("Registered job kinds and schedules", tags: ["monitoring"], access: .public,
                                       responses: [200: .init("Tasks.", schema: ["type": "object"])])) { _, _ in
            try await tasks()
        }
        for prefix in ["/workers", "/celery"] {
            routes.get("\(prefix)/health", Operation("Worker health", description: "200 while at least one worker heartbeats, else 503.",
                                                     tags: ["monitoring"], access: .public, rateLimited: false,
                                                     responses: [200: .init("Healthy.", schema: ["type": "object"])])) { _, _ in
                try await workerHealth()
            }
            routes.get("\(prefix)/stats", Operation("Worker statistics", tags: ["monitoring"], access: .public,
                                                    responses: [200: .init("Workers.", schema: ["type": "object"])])) { _, _ in
                JSONResponse(.object(["workers": try await encoded(monitor.workers())]))
            }
        }
        routes.get("/overview", Operation("System overview", description: "Version, uptime, plugins, database, queues. Platform admins only.",
                                          tags: ["monitoring"], access: .authenticated, responses: [200: .init("Overview.", schema: ["type": "object"])])) { _, context in
            try await context.authorize("read", on: ResourceRef(kind: "monitoring", id: "overview", concealsExistence: false))
            return try await overview()
        }
        routes.get("/server", Operation("Server figures", description: "Process and host figures. Platform admins only.",
                                        tags: ["monitoring"], access: .authenticated, responses: [200: .init("Server.", schema: ["type": "object"])])) { _, context in
            try await context.authorize("read", on: ResourceRef(kind: "monitoring", id: "server", concealsExistence: false))
            return server()
        }
        return routes
    }

    private func queues() async throws -> JSONResponse {
        let depth = try await monitor.jobs.depth()
        var names = Set(depth.keys).union(configuration.jobs.queues.keys)
        for kind in monitor.jobs.kinds { names.insert(kind.queue) }
        let workers = try await monitor.workers().filter(\.alive)
        var list: [JSONValue] = names.sorted().map { name in
            let states = depth[name] ?? [:]
            let consumers = workers.filter { $0.queues.contains(name) }.count * configuration.jobs.concurrency(of: name)
            return ["name": .string(name), "messages": .int((states["queued"] ?? 0) + (states["scheduled"] ?? 0) + (states["running"] ?? 0)),
                    "queued": .int(states["queued"] ?? 0), "scheduled": .int(states["scheduled"] ?? 0), "running": .int(states["running"] ?? 0),
                    "succeeded": .int(states["succeeded"] ?? 0), "dead": .int(states["dead"] ?? 0), "consumers": .int(consumers)]
        }
        let dead = depth.values.reduce(0) { $0 + ($1["dead"] ?? 0) }
        list.append(["name": "dlq", "messages": .int(dead), "dead": .int(dead), "consumers": 0])
        return JSONResponse(["queues": .array(list), "subscribers": try encoded(try await monitor.subscribers())])
    }

    private func tasks() async throws -> JSONResponse {
        let kinds: [JSONValue] = monitor.jobs.kinds.map {
            ["name": .string($0.kind), "queue": .string($0.queue), "max_attempts": .int($0.maxAttempts ?? configuration.jobs.maxAttempts),
             "timeout_seconds": .int(Int($0.timeout.wholeSeconds))]
        }
        return JSONResponse(["tasks": .array(kinds), "schedules": try encoded(try await monitor.scheduleStates())])
    }

    private func workerHealth() async throws -> JSONResponse {
        let workers = try await monitor.workers()
        let alive = workers.filter(\.alive)
        guard !alive.isEmpty else {
            throw Problem(status: .serviceUnavailable, type: Problem.typeURI("no-workers"), title: "No workers",
                          detail: workers.isEmpty ? "No job worker is running." : "No job worker has sent a heartbeat recently.",
                          extensions: ["workers": .int(0)])
        }
        return JSONResponse(["status": "healthy", "workers": .int(alive.count),
                             "queues": .array(Set(alive.flatMap(\.queues)).sorted().map { .string($0) })])
    }

    private func overview() async throws -> JSONResponse {
        let process = ProcessStats.current()
        return JSONResponse([
            "version": .string(Kernel.version),
            "environment": .string(configuration.environmentName),
            "uptime_seconds": .double(process.uptimeSeconds),
            "plugins": .array(configuration.plugins.map { .string($0.id.rawValue) }),
            "database": ["dialect": .string(monitor.database.dialect.rawValue), "url": .string(configuration.database.url.configDescription)],
            "queues": try encoded(try await monitor.jobs.depth()),
            "workers": .int(try await monitor.workers().filter(\.alive).count),
            "subscribers": try encoded(try await monitor.subscribers()),
        ])
    }

    private func server() -> JSONResponse {
        let process = ProcessStats.current(), host = HostStats.current()
        return JSONResponse([
            "process": ["pid": .int(Int(ProcessInfo.processInfo.processIdentifier)), "uptime_seconds": .double(process.uptimeSeconds),
                        "resident_memory_bytes": .int(process.residentBytes), "virtual_memory_bytes": .int(process.virtualBytes),
                        "cpu_seconds": .double(process.cpuSeconds), "open_fds": .int(process.openFileDescriptors), "threads": .int(process.threads)],
            "host": ["hostname": .string(host.hostname), "cpus": .int(host.cpus), "load_average": .array(host.loadAverage.map { .double($0) }),
                     "memory_total_bytes": .int(host.memoryTotalBytes), "memory_available_bytes": .int(host.memoryAvailableBytes),
                     "os": .string(host.operatingSystem)],
            "database": ["dialect": .string(monitor.database.dialect.rawValue), "pool_max_connections": .int(monitor.database.poolSize)],
        ])
    }
}

/// Encodes any `Encodable` with the API's conventions into a `JSONValue`.
func encoded<T: Encodable>(_ value: T) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: JSONCoding.encoder.encode(value))
}

/// A `JSONValue` body with status 200 (or the given one).
public struct JSONResponse: ResponseGenerator, Sendable {
    public var value: JSONValue
    public var status: HTTPResponse.Status

    public init(_ value: JSONValue, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: .json, body: .init(byteBuffer: ByteBuffer(bytes: value.jsonBytes)))
    }
}
