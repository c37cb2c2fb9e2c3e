import Foundation
import Hummingbird
import Kernel
@testable import LintelTesting
import Synchronization

/// A capability one test plugin provides and another consumes through the service registry.
protocol Greeting: Sendable {
    func greet(_ name: String) -> String
}

/// Records plugin lifecycle events per test (each test uses its own tag).
enum Lifecycle {
    private static let events = Mutex<[String: [String]]>([:])
    static func record(_ tag: String, _ event: String) { events.withLock { $0[tag, default: []].append(event) } }
    static func events(_ tag: String) -> [String] { events.withLock { $0[tag] ?? [] } }
}

/// `test.greeter`: settings with a required value, a migration, public and authenticated routes, a health
/// check, and a service for other plugins.
struct GreeterPlugin: Plugin {
    struct Settings: BlockSettings {
        var greeting: String
        var excitement: Int
        var healthy: Bool
        var tag: String
        init(from reader: SettingsReader) {
            greeting = reader.required("greeting", doc: "What to say.")
            excitement = reader.value("excitement", default: 1, doc: "How many exclamation marks.",
                                      check: { (0...5).contains($0) ? nil : "must be between 0 and 5" })
            healthy = reader.value("healthy", default: true, doc: "Whether the health check passes.")
            tag = reader.value("tag", default: "", doc: "Lifecycle recording tag.")
        }
    }

    struct Greeter: Greeting {
        let greeting: String
        let excitement: Int
        func greet(_ name: String) -> String { "\(greeting), \(name)\(String(repeating: "!", count: excitement))" }
    }

    static let id: PluginID = "test.greeter"
    static let summary = "Says hello (test plugin)."
    static let migrations = [
        Migration("0001_greetings", sql: "CREATE TABLE greetings (id UUID PRIMARY KEY, name TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)"),
    ]
    static var openAPIComponents: JSONValue {
        ["schemas": ["Greeting": ["type": "object", "properties": ["message": ["type": "string"]]]]]
    }

    let settings: Settings
    let database: Database

    init(settings: Settings, context: PluginContext) async throws {
        self.settings = settings
        self.database = context.database
        try context.services.register(Greeter(greeting: settings.greeting, excitement: settings.excitement) as any Greeting,
                                      as: (any Greeting).self, by: Self.id.rawValue)
        Lifecycle.record(settings.tag, "greeter.provision")
    }

    var routePrefix: String { "/api/v1/greeter" }

    struct Message: ResponseEncodable { var message: String }

    struct EchoBody: Decodable, Validatable {
        var name: String
        var repeatCount: Int
        var tags: [String]?
        func validate(_ errors: inout ValidationErrors) {
            errors.check(!name.isEmpty, "name", detail: "must not be empty")
            errors.check((1...3).contains(repeatCount), "repeat_count", detail: "must be between 1 and 3")
        }
    }

    struct BoomError: Error, CustomStringConvertible {
        var description: String { "secret internal detail: password=hunter2" }
    }

    func routes(_ routes: Routes) {
        let greeter = Greeter(greeting: settings.greeting, excitement: settings.excitement)
        routes.get("/", Operation("Greet the world", tags: ["greeter"], access: .public,
                                  responses: [200: .init("A greeting.", schema: Operation.ref("Greeting"))])) { _, _ in
            Message(message: greeter.greet("world"))
        }
        routes.post("/echo", Operation("Echo a name", tags: ["greeter"], access: .public, requestBody: ["type": "object"],
                                       responses: [201: .init("Echoed.", schema: Operation.ref("Greeting"))])) { request, context in
            let body = try await request.decodeJSON(as: EchoBody.self, context: context)
            let message = Message(message: Array(repeating: greeter.greet(body.name), count: body.repeatCount).joined(separator: " "))
            return EditedResponse(status: .created, response: message)
        }
        routes.get("/private", Operation("Greet the caller", tags: ["greeter"], access: .signedIn,
                                         responses: [200: .init("A greeting.", schema: Operation.ref("Greeting"))])) { _, context in
            Message(message: greeter.greet(context.principal?.id ?? "nobody"))
        }
        routes.get("/boom", Operation("Fail unexpectedly", tags: ["greeter"], access: .public,
                                      responses: [200: .init("Never.")])) { _, _ -> Message in
            throw BoomError()
        }
        routes.post("/greetings/{name}", Operation("Store a greeting", tags: ["greeter"], access: .public,
                                                   responses: [201: .init("Stored.")])) { [database] request, context -> Response in
            let name = try context.parameters.require("name")
            try await database.transaction { sql in
                try await sql.insert(into: "greetings").columns("id", "name", "created_at")
                    .values(SQLBind(UUID.v7()), SQLBind(name), SQLBind(Date())).run()
                if name == "rollback" { throw Problem.conflict("rolled back on purpose") }
            }
            return Response(status: .created)
        }
    }

    func healthChecks() -> [HealthCheck] {
        [HealthCheck("greeter") { [settings] in
            if !settings.healthy { throw GreeterUnhealthy() }
        }]
    }

    struct GreeterUnhealthy: Error, CustomStringConvertible { var description: String { "the greeter is unwell" } }

    func shutdown() async { Lifecycle.record(settings.tag, "greeter.shutdown") }
}

/// `test.audience`: requires `test.greeter` and uses its `Greeting` through the registry.
struct AudiencePlugin: Plugin {
    struct Settings: BlockSettings {
        var tag: String
        var failToStart: Bool
        init(from reader: SettingsReader) {
            tag = reader.value("tag", default: "", doc: "Lifecycle recording tag.")
            failToStart = reader.value("fail_to_start", default: false, doc: "Throw while provisioning.")
        }
    }

    struct StartFailure: Error, CustomStringConvertible { var description: String { "could not reach the audience" } }

    static let id: PluginID = "test.audience"
    static let summary = "Greets an audience through the greeter (test plugin)."
    static let requires: [PluginID] = ["test.greeter"]
    let greeting: any Greeting

    init(settings: Settings, context: PluginContext) async throws {
        Lifecycle.record(settings.tag, "audience.provision")
        if settings.failToStart { throw StartFailure() }
        greeting = try context.services.require((any Greeting).self, by: Self.id.rawValue)
    }

    func routes(_ routes: Routes) {
        routes.get("/audience", Operation("Greet the audience", tags: ["audience"], access: .public,
                                          responses: [200: .init("A greeting.", schema: ["type": "object"])])) { [greeting] _, _ in
            GreeterPlugin.Message(message: greeting.greet("everyone"))
        }
    }
}

/// `test.token`: accepts `Authorization: Bearer tok_<user>`; other bearer tokens are not its kind.
struct TokenPlugin: Plugin {
    static let id: PluginID = "test.token"
    static let summary = "Accepts tok_<user> bearer tokens (test plugin)."
    init(settings: NoSettings, context: PluginContext) async throws {}

    struct TokenAuthenticator: Authenticator {
        let name = "test.token"
        func authenticate(_ request: RequestHead, context: AppRequestContext) async throws -> Principal? {
            guard let header = request.headers[.authorization], header.hasPrefix("Bearer tok_") else { return nil }
            let user = String(header.dropFirst("Bearer tok_".count))
            guard !user.isEmpty else { throw Problem.unauthorized("The token is empty.") }
            return Principal(id: user, roles: ["user"], authenticator: name)
        }
    }

    func authenticators() -> [any Authenticator] { [TokenAuthenticator()] }
}

/// `test.cycle.a` and `test.cycle.b` require each other.
struct CycleAPlugin: Plugin {
    static let id: PluginID = "test.cycle.a"
    static let summary = "Half of a requires cycle (test plugin)."
    static let requires: [PluginID] = ["test.cycle.b"]
    init(settings: NoSettings, context: PluginContext) async throws {}
}

struct CycleBPlugin: Plugin {
    static let id: PluginID = "test.cycle.b"
    static let summary = "Other half of a requires cycle (test plugin)."
    static let requires: [PluginID] = ["test.cycle.a"]
    init(settings: NoSettings, context: PluginContext) async throws {}
}

/// Requires a plugin this build does not have.
struct OrphanPlugin: Plugin {
    static let id: PluginID = "test.orphan"
    static let summary = "Requires a plugin that is not compiled in (test plugin)."
    static let requires: [PluginID] = ["test.nowhere"]
    init(settings: NoSettings, context: PluginContext) async throws {}
}

/// Claims `test.greeter`'s id.
struct GreeterTwinPlugin: Plugin {
    static let id: PluginID = "test.greeter"
    static let summary = "A second plugin with the greeter's id (test plugin)."
    init(settings: NoSettings, context: PluginContext) async throws {}
}

/// Registers a route the greeter already has.
struct RouteThiefPlugin: Plugin {
    static let id: PluginID = "test.thief"
    static let summary = "Registers a route another plugin owns (test plugin)."
    init(settings: NoSettings, context: PluginContext) async throws {}
    var routePrefix: String { "/api/v1/greeter" }
    func routes(_ routes: Routes) {
        routes.get("/", Operation("Stolen", tags: ["thief"], access: .public, responses: [200: .init("Never.")])) { _, _ in "stolen" }
    }
}

import SQLKit
