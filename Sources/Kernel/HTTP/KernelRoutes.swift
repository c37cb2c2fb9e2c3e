import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// The Kernel's own endpoints: health probes and the OpenAPI document.
final class KernelRoutes: Sendable {
    private struct Attached: Sendable {
        var openAPI: ByteBuffer
        var checks: [HealthCheck]
    }

    private let configuration: SiteConfiguration
    private let database: Database
    private let attached = Mutex<Attached?>(nil)

    init(configuration: SiteConfiguration, database: Database) {
        self.configuration = configuration
        self.database = database
    }

    /// Called once the Kernel is complete: the document and checks then stay fixed.
    func attach(_ kernel: Kernel) {
        let document = ByteBuffer(string: kernel.openAPIDocument.jsonString())
        attached.withLock { $0 = Attached(openAPI: document, checks: kernel.healthChecks) }
    }

    func routeSets() -> [Routes] {
        let root = Routes(owner: "kernel", prefix: "")
        let ok = ByteBuffer(string: #"{"status":"ok"}"#)
        root.get("/healthz", Operation("Process health", description: "Answers as long as the process serves HTTP; touches nothing else.",
                                       tags: ["health"], access: .public, rateLimited: false, responses: [200: .init("The process is up.", schema: Operation.ref("Status"))])) { _, _ in
            Response(status: .ok, headers: .json, body: .init(byteBuffer: ok))
        }

        let api = Routes(owner: "kernel", prefix: "/api/v1")
        api.get("/health/live", Operation("Liveness probe", description: "Kubernetes liveness: the process is up and serving.",
                                          tags: ["health"], access: .public, rateLimited: false, responses: [200: .init("Alive.", schema: Operation.ref("Status"))])) { _, _ in
            Response(status: .ok, headers: .json, body: .init(byteBuffer: ok))
        }
        api.get("/health/ready", Operation("Readiness probe",
                                           description: "Kubernetes readiness: the database answers and every plugin's checks pass. 503 with per-check detail otherwise.",
                                           tags: ["health"], access: .public, rateLimited: false,
                                           responses: [200: .init("Ready.", schema: Operation.ref("Readiness")),
                                                       503: .init("Not ready; `checks` says which check failed.", schema: Operation.ref("Problem"),
                                                                  contentType: "application/problem+json")])) { [self] request, context in
            try await self.readiness(request: request, context: context)
        }
        api.get("/openapi.json", Operation("OpenAPI document", description: "This API, described as OpenAPI 3.1.",
                                           tags: ["meta"], access: .public, responses: [200: .init("The document.", schema: ["type": "object"])])) { [self] _, _ in
            let document = self.attached.withLock { $0?.openAPI } ?? ByteBuffer(string: "{}")
            return Response(status: .ok, headers: .json, body: .init(byteBuffer: document))
        }
        return [root, api]
    }

    private func readiness(request: Request, context: AppRequestContext) async throws -> Response {
        let checks = attached.withLock { $0?.checks } ?? []
        let results = await withTaskGroup(of: (String, JSONValue, Bool).self) { group in
            for check in checks {
                group.addTask {
                    let started = ContinuousClock.now
                    var result: [String: JSONValue] = [:]
                    var passed = true
                    do {
                        try await withTimeout(check.timeout) { try await check.check() }
                        result["status"] = "ok"
                    } catch {
                        passed = false
                        result["status"] = "failing"
                        result["error"] = .string(String(String(describing: error).split(separator: "\n").first ?? "failed").prefix(200).description)
                        context.logger.warning("readiness check failing", metadata: ["check": .string(check.name), "error": .string("\(error)")])
                    }
                    result["duration_ms"] = .double(Double((ContinuousClock.now - started).nanoseconds / 1000) / 1000)
                    return (check.name, .object(result), passed)
                }
            }
            var all: [(String, JSONValue, Bool)] = []
            for await result in group { all.append(result) }
            return all
        }
        let checksObject = JSONValue.object(Dictionary(results.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a }))
        let failing = results.filter { !$0.2 }.map(\.0).sorted()
        guard failing.isEmpty else {
            throw Problem(status: .serviceUnavailable, type: Problem.typeURI("not-ready"), title: "Not ready",
                          detail: "Failing: \(failing.joined(separator: ", ")).", extensions: ["checks": checksObject])
        }
        let body = JSONValue.object(["status": "ready", "checks": checksObject]).jsonString()
        return Response(status: .ok, headers: .json, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
