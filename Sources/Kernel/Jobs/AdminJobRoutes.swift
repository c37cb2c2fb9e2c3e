import Foundation
import Hummingbird

/// `/api/v1/admin/jobs/…`: the dead-letter queue — list, inspect, retry one or all, discard.
/// Every operation asks the policy engine (`manage` on `job`); until one is configured, all are denied.
struct AdminJobRoutes: Sendable {
    let jobs: JobQueue

    struct RetryAll: Decodable, Validatable {
        var queue: String?
        func validate(_ errors: inout ValidationErrors) {
            if let queue { errors.check(!queue.isEmpty, "queue", detail: "must not be empty") }
        }
    }

    func routes() -> Routes {
        let routes = Routes(owner: "kernel", prefix: "/api/v1/admin/jobs")
        let job = Operation.ref("Job")
        routes.get("/dead", Operation("List dead-lettered jobs", tags: ["jobs"], access: .authenticated,
                                      query: [.init("queue", "Only this queue."), .init("limit", "Page size (1–200)."), .init("cursor", "From `next`.")],
                                      responses: [200: .init("A page of jobs.", schema: pageSchema(job))])) { [jobs] request, context in
            try await context.authorize("list", on: ResourceRef(kind: "job"))
            let page = try PageRequest(request)
            let (items, count) = try await jobs.deadLetters(page, queue: request.uri.queryParameters["queue"].map(String.init))
            return Page(results: items, count: count, next: page.next(for: request, pageCount: items.count, lastKey: items.last.map { [$0.id.uuidString] }))
        }
        routes.get("/{id}", Operation("Get a job", tags: ["jobs"], access: .authenticated, responses: [200: .init("The job.", schema: job)])) { [jobs] _, context in
            try await context.authorize("read", on: Self.job(context))
            guard let record = try await jobs.record(try Self.id(context)) else { throw Problem.notFound("No job has this id.") }
            return record
        }
        routes.post("/{id}/retry", Operation("Retry a dead job", tags: ["jobs"], access: .authenticated,
                                             responses: [200: .init("The job, queued again.", schema: job)])) { [jobs] _, context in
            try await context.authorize("manage", on: Self.job(context))
            let id = try Self.id(context)
            guard let record = try await jobs.retry(id) else { throw try await Self.notDead(id, jobs) }
            return record
        }
        routes.post("/retry", Operation("Retry every dead job", tags: ["jobs"], access: .authenticated,
                                        requestBody: ["type": "object", "properties": ["queue": ["type": "string"]]],
                                        responses: [200: .init("How many were queued again.", schema: ["type": "object", "properties": ["retried": ["type": "integer"]]])])) { [jobs] request, context in
            try await context.authorize("manage", on: ResourceRef(kind: "job"))
            let body = try await request.decodeJSON(as: RetryAll.self, context: context)
            return JSONResponse(["retried": .int(try await jobs.retryAllDead(queue: body.queue))])
        }
        routes.delete("/{id}", Operation("Discard a dead job", tags: ["jobs"], access: .authenticated,
                                         responses: [204: .init("Discarded.")])) { [jobs] _, context in
            try await context.authorize("manage", on: Self.job(context))
            let id = try Self.id(context)
            guard try await jobs.discard(id) else { throw try await Self.notDead(id, jobs) }
            return Response(status: .noContent)
        }
        return routes
    }

    /// The job a route names, as the policies see it (jobs are not tenant data: a denial is a 403).
    static func job(_ context: AppRequestContext) -> ResourceRef {
        ResourceRef(kind: "job", id: context.parameters.get("id") ?? "*", concealsExistence: false)
    }

    static func id(_ context: AppRequestContext) throws -> UUID {
        guard let id = context.parameters.get("id").flatMap({ UUID(canonical: $0) }) else { throw Problem.notFound("No job has this id.") }
        return id
    }

    static func notDead(_ id: UUID, _ jobs: JobQueue) async throws -> Problem {
        guard let record = try await jobs.record(id) else { return Problem.notFound("No job has this id.") }
        return Problem.conflict("The job is \(record.state.rawValue), not dead.")
    }

    static let schemas: JSONValue = [
        "Job": [
            "type": "object",
            "properties": [
                "id": ["type": "string", "format": "uuid"], "kind": ["type": "string"], "queue": ["type": "string"],
                "state": ["type": "string", "enum": ["queued", "running", "succeeded", "dead"]], "payload": ["type": "object"],
                "priority": ["type": "integer"], "run_at": ["type": "string", "format": "date-time"], "attempts": ["type": "integer"],
                "max_attempts": ["type": "integer"], "dedup_key": ["type": ["string", "null"]], "last_error": ["type": ["string", "null"]],
                "history": ["type": "array", "items": ["type": "object", "properties": [
                    "attempt": ["type": "integer"], "at": ["type": "string", "format": "date-time"], "error": ["type": "string"], "worker": ["type": ["string", "null"]],
                ]]],
                "created_at": ["type": "string", "format": "date-time"], "finished_at": ["type": ["string", "null"], "format": "date-time"],
            ],
        ],
    ]
}

/// The schema of a `Page` of `item`.
public func pageSchema(_ item: JSONValue) -> JSONValue {
    ["type": "object", "required": ["results", "count", "next"],
     "properties": ["results": ["type": "array", "items": item], "count": ["type": "integer"], "next": ["type": ["string", "null"]]]]
}

extension JobRecord: ResponseEncodable {}
