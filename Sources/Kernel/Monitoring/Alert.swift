import Foundation

/// A condition an operator must see (`GET /api/v1/admin/alerts`): derived from the system's state when
/// asked, never stored, so it disappears by itself once the condition clears.
public struct Alert: Sendable, Equatable {
    public enum Severity: String, Sendable, Comparable {
        case warning, critical

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .critical }
    }

    /// Stable while the condition lasts, e.g. `jobs.dead:mail`.
    public var id: String
    public var severity: Severity
    public var title: String
    public var detail: String
    /// Since when the condition holds, when known.
    public var since: Date?
    /// The API path of the resource concerned.
    public var link: String?
    /// The Kernel or the plugin that raised it.
    public var source: String

    public init(id: String, severity: Severity, title: String, detail: String, since: Date? = nil, link: String? = nil, source: String) {
        self.id = id
        self.severity = severity
        self.title = title
        self.detail = detail
        self.since = since
        self.link = link
        self.source = source
    }

    /// As `GET /api/v1/admin/alerts` lists it.
    public var json: JSONValue {
        ["id": .string(id), "severity": .string(severity.rawValue), "title": .string(title), "detail": .string(detail),
         "since": since.map { .string($0.iso8601) } ?? .null, "link": link.map { .string($0) } ?? .null, "source": .string(source)]
    }
}

/// Where alerts come from: the Kernel's own (dead-lettered jobs, failing event subscribers) and what
/// plugins contribute (`Plugin.alertSources()`).
public struct AlertSource: Sendable {
    public let name: String
    let collect: @Sendable () async throws -> [Alert]

    public init(_ name: String, collect: @escaping @Sendable () async throws -> [Alert]) {
        self.name = name
        self.collect = collect
    }
}

extension SystemMonitor {
    /// Dead-lettered jobs (one alert per queue) and event subscribers that fail or set events aside.
    var alertSource: AlertSource {
        AlertSource("kernel") { [self] in
            var alerts: [Alert] = []
            let dead = try await database.read { sql in
                try await sql.raw("SELECT queue, COUNT(*) AS n, MIN(finished_at) AS since FROM lintel_jobs WHERE state = 'dead' GROUP BY queue ORDER BY queue").all()
                    .map { (try $0.decode(column: "queue", as: String.self), try $0.decode(column: "n", as: Int.self), try $0.decode(column: "since", as: Date?.self)) }
            }
            for (queue, count, since) in dead {
                alerts.append(Alert(id: "jobs.dead:\(queue)", severity: .critical, title: "Dead-lettered jobs",
                                    detail: "\(count) job\(count == 1 ? "" : "s") of queue \(queue) failed every attempt and wait for a retry or a discard.",
                                    since: since, link: "/api/v1/admin/jobs/dead?queue=\(queue)", source: "kernel"))
            }
            for subscriber in try await subscribers() where subscriber.consecutiveFailures > 0 || subscriber.setAside > 0 {
                let failing = subscriber.consecutiveFailures > 0
                alerts.append(Alert(id: "events.subscriber:\(subscriber.name)", severity: failing ? .critical : .warning,
                                    title: failing ? "Event subscriber failing" : "Events set aside",
                                    detail: failing
                                        ? "\(subscriber.name) failed \(subscriber.consecutiveFailures) time\(subscriber.consecutiveFailures == 1 ? "" : "s") in a row (\(subscriber.lastError ?? "no error recorded")); \(subscriber.lag) events wait."
                                        : "\(subscriber.setAside) event\(subscriber.setAside == 1 ? " was" : "s were") set aside by \(subscriber.name) after repeated failures.",
                                    link: "/api/v1/monitoring/queues", source: "kernel"))
            }
            return alerts
        }
    }
}

extension Kernel {
    /// The current alerts, most severe first (what `GET /api/v1/admin/alerts` lists).
    public func alerts() async -> [Alert] { await AlertRoutes(sources: alertSources).collect() }
}

/// `GET /api/v1/admin/alerts`.
struct AlertRoutes: Sendable {
    let sources: [AlertSource]

    func routes() -> Routes {
        let routes = Routes(owner: "kernel", prefix: "/api/v1/admin")
        routes.get("/alerts", Operation("System alerts", description: "Conditions an operator must see, most severe first: dead-lettered jobs, failing event subscribers, and what plugins report (identity provider keys, webhooks, payments, audit chain).",
                                        tags: ["admin"], access: .authenticated,
                                        query: [.init("severity", "Only warning or critical."), .init("source", "Only this source (kernel or a plugin id).")],
                                        responses: [200: .init("The alerts.", schema: ["type": "object", "properties": [
                                            "results": ["type": "array", "items": ["type": "object"]], "count": ["type": "integer"]]])])) { request, context in
            try await context.authorize("list", on: ResourceRef(kind: "alert", id: "*", concealsExistence: false))
            let query = request.uri.queryParameters
            if let severity = query["severity"], Alert.Severity(rawValue: String(severity)) == nil {
                throw Problem.validation([FieldError(pointer: "/severity", detail: "must be warning or critical")])
            }
            var alerts = await collect()
            if let severity = query["severity"] { alerts = alerts.filter { $0.severity.rawValue == severity } }
            if let source = query["source"] { alerts = alerts.filter { $0.source == source } }
            return JSONResponse(["results": .array(alerts.map(\.json)), "count": .int(alerts.count)])
        }
        return routes
    }

    /// Every source's alerts, most severe and oldest first; a source that fails is itself an alert.
    func collect() async -> [Alert] {
        var alerts: [Alert] = []
        for source in sources {
            do {
                alerts += try await withTimeout(.seconds(5)) { try await source.collect() }
            } catch {
                alerts.append(Alert(id: "alerts.source:\(source.name)", severity: .warning, title: "Alert source failed",
                                    detail: "\(source.name) could not report its alerts: \(error)", source: source.name))
            }
        }
        return alerts.sorted {
            if $0.severity != $1.severity { return $0.severity > $1.severity }
            return ($0.since ?? .distantFuture, $0.id) < ($1.since ?? .distantFuture, $1.id)
        }
    }
}
