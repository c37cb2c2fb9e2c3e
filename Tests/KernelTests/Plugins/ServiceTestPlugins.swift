import Foundation
import Hummingbird
import Kernel
@testable import LintelTesting
import SQLKit
import Synchronization

/// `test.roles`: accepts `Authorization: Bearer role_<role>_<user>` (`role_platform_admin_ada` is user
/// `ada` with platform role `platform_admin`), so tests reach the Kernel's admin endpoints through the
/// real policies.
struct RoleTokensPlugin: Plugin {
    static let id: PluginID = "test.roles"
    static let summary = "Accepts role_<role>_<user> bearer tokens (test plugin)."

    init(settings: NoSettings, context: PluginContext) async throws {}

    func authenticators() -> [any Authenticator] { [RoleTokenAuthenticator()] }

    struct RoleTokenAuthenticator: Authenticator {
        let name = "test.role"
        func authenticate(_ request: RequestHead, context: AppRequestContext) async throws -> Principal? {
            guard let header = request.headers[.authorization], header.hasPrefix("Bearer role_") else { return nil }
            var parts = header.dropFirst("Bearer role_".count).split(separator: "_").map(String.init)
            guard parts.count >= 2, let user = parts.popLast() else { throw Problem.unauthorized("Malformed test token.") }
            return Principal(id: user, roles: [parts.joined(separator: "_")], authenticator: name)
        }
    }
}

/// `test.notes`: writes notes and emits `note.created` in the same transaction; subscribes to events
/// (one reliable subscriber, one that fails a configurable number of times per event); runs test jobs.
struct NotesPlugin: Plugin {
    struct Settings: BlockSettings {
        var flakyFailures: Int
        var flakyAttempts: Int
        init(from reader: SettingsReader) {
            flakyFailures = reader.value("flaky_failures", default: 0, doc: "How often the flaky subscriber fails each event.")
            flakyAttempts = reader.value("flaky_attempts", default: 3, doc: "Attempts the flaky subscriber gets.")
        }
    }

    static let id: PluginID = "test.notes"
    static let summary = "Notes, events and jobs (test plugin)."
    static let migrations = [
        Migration("0001_notes", sql: """
            CREATE TABLE notes (id UUID PRIMARY KEY, body TEXT NOT NULL);
            CREATE TABLE seen_events (subscriber TEXT NOT NULL, event_id UUID NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (subscriber, event_id));
            CREATE TABLE job_runs (job_id UUID NOT NULL, kind TEXT NOT NULL, attempt INTEGER NOT NULL, note TEXT NOT NULL)
            """),
    ]
    static let mailTemplates = [
        MailTemplate("welcome", subject: "Welcome, {{name}}", text: "Hello {{name}},\nverify at {{{link}}}\n",
                     html: "<p>Hello {{name}}, <a href=\"{{link}}\">verify</a></p>"),
    ]

    let settings: Settings
    let database: Database
    let events: EventBus
    let jobQueue: JobQueue
    let mail: MailService
    /// Failures of the flaky subscriber so far, per event.
    let flakyCounts = FailureCounts()

    final class FailureCounts: Sendable {
        private let counts = Mutex<[UUID: Int]>([:])
        func increment(_ id: UUID) -> Int { counts.withLock { $0[id, default: 0] += 1; return $0[id]! } }
    }

    init(settings: Settings, context: PluginContext) async throws {
        self.settings = settings
        self.database = context.database
        self.events = context.events
        self.jobQueue = context.jobs
        self.mail = context.mail
    }

    var routePrefix: String { "/api/v1/notes" }

    struct NoteBody: Decodable { var body: String }

    func routes(_ routes: Routes) {
        routes.post("/", Operation("Write a note", tags: ["notes"], access: .public, requestBody: ["type": "object"],
                                   responses: [201: .init("Written.")])) { [database, events, jobQueue] request, context -> Response in
            let body = try await request.decodeJSON(as: NoteBody.self, context: context)
            try await database.transaction { sql in
                let id = UUID.v7()
                try await sql.raw("INSERT INTO notes (id, body) VALUES (\(bind: id), \(bind: body.body))").run()
                try await events.emit("note.created", payload: ["id": .string(id.lowercasedString), "body": .string(body.body)],
                                      origin: context.eventOrigin, in: sql)
                try await jobQueue.enqueue("test.echo", payload: ["note": .string(body.body)], in: sql)
                if body.body == "rollback" { throw Problem.conflict("rolled back on purpose") }
            }
            return Response(status: .created)
        }
    }

    func eventSubscriptions() -> [EventSubscription] {
        [
            EventSubscription("test.recorder", events: ["note.*"]) { event, delivery in
                try await delivery.sql.raw("INSERT INTO seen_events (subscriber, event_id, seq) VALUES ('test.recorder', \(bind: event.id), \(bind: event.sequence))").run()
            },
            EventSubscription("test.flaky", events: ["*"], maxAttempts: settings.flakyAttempts) { [flakyCounts, settings] event, delivery in
                let failures = flakyCounts.increment(event.id)
                if failures <= settings.flakyFailures { throw FlakyFailure(attempt: delivery.attempt) }
                try await delivery.sql.raw("INSERT INTO seen_events (subscriber, event_id, seq) VALUES ('test.flaky', \(bind: event.id), \(bind: event.sequence))").run()
            },
        ]
    }

    struct FlakyFailure: Error, CustomStringConvertible {
        let attempt: Int
        var description: String { "flaky failure on attempt \(attempt)" }
    }

    struct JobFailure: Error, CustomStringConvertible {
        var description: String { "this job always fails" }
    }

    func jobs() -> [JobDefinition] {
        [
            JobDefinition("test.echo", queue: "default") { job, context in
                let note = job.payload["note"]?.stringValue ?? ""
                try await context.database.transaction { sql in
                    try await sql.raw("INSERT INTO job_runs (job_id, kind, attempt, note) VALUES (\(bind: job.id), 'test.echo', \(bind: job.attempt), \(bind: note))").run()
                }
            },
            JobDefinition("test.fail", queue: "default", maxAttempts: 3) { _, _ in throw JobFailure() },
        ]
    }
}
