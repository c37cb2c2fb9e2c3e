import Foundation
import Logging
import Synchronization

/// A remote Cerbos PDP over its HTTP API (`POST /api/check/resources`). Fails closed: a timeout, a
/// refused connection, an error status or an answer that does not cover every action denies, with policy
/// `CERBOS_UNAVAILABLE`, and is logged. Decisions may be reused for `cache_ttl`.
public final class CerbosAuthorizer: Authorizer {
    let checkURL: String
    let healthURL: String
    let timeout: Swift.Duration
    let client: HTTPClient
    let logger: Logger
    let cache: DecisionCache?

    public init(url: URL, timeout: Swift.Duration, cacheTTL: Swift.Duration, logger: Logger, client: HTTPClient = HTTPClient(maxResponseSize: 4 << 20)) {
        var base = url.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.checkURL = base + "/api/check/resources"
        self.healthURL = base + "/_cerbos/health"
        self.timeout = timeout
        self.client = client
        self.logger = logger
        self.cache = cacheTTL > .zero ? DecisionCache(ttl: cacheTTL) : nil
    }

    public func decide(_ principal: PolicyPrincipal, actions: [String], on resource: ResourceRef) async -> [AuthorizationDecision] {
        // No requestId: the same question serialises the same way, so the text is also the cache key.
        let body: JSONValue = [
            "includeMeta": true,
            "principal": ["id": .string(principal.id), "roles": .array(principal.roles.map { .string($0) }), "attr": .object(principal.attributes)],
            "resources": [["actions": .array(actions.map { .string($0) }),
                           "resource": ["kind": .string(resource.kind), "id": .string(resource.id), "attr": .object(resource.attributes)]]],
        ]
        let text = body.jsonString()
        if let hit = cache?.lookup(text) { return hit }
        do {
            let response = try await client.send(HTTPClientRequest(method: "POST", url: checkURL,
                                                                   headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
                                                                   body: Array(text.utf8), timeout: timeout))
            guard response.status == 200 else {
                throw HTTPClientError(description: "Cerbos answered \(response.status): \(response.text.prefix(300))", timedOut: false)
            }
            let decisions = try Self.decisions(in: response.body, actions: actions)
            cache?.store(text, decisions)
            return decisions
        } catch {
            logger.error("Cerbos check failed; denying", metadata: [
                "url": .string(checkURL), "error": .string("\(error)"),
                "resource_kind": .string(resource.kind), "actions": .array(actions.map { .string($0) }),
            ])
            return actions.map { AuthorizationDecision(action: $0, allowed: false, policy: "CERBOS_UNAVAILABLE") }
        }
    }

    struct MalformedAnswer: Error, CustomStringConvertible { var description: String }

    /// The decisions in a CheckResources response for a single resource; every action must be answered.
    static func decisions(in body: [UInt8], actions: [String]) throws -> [AuthorizationDecision] {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body)),
              let result = json["results"]?.arrayValue?.first, let effects = result["actions"]?.objectValue else {
            throw MalformedAnswer(description: "the answer is not a CheckResources response")
        }
        let meta = result["meta"]?["actions"]?.objectValue ?? [:]
        return try actions.map { action in
            guard let effect = effects[action]?.stringValue else { throw MalformedAnswer(description: "the answer has no effect for '\(action)'") }
            return AuthorizationDecision(action: action, allowed: effect == "EFFECT_ALLOW",
                                         policy: meta[action]?["matchedPolicy"]?.stringValue ?? "",
                                         scope: meta[action]?["matchedScope"]?.stringValue ?? "")
        }
    }

    /// Cerbos's readiness: `GET /_cerbos/health` answers `{"status":"SERVING"}`.
    func healthCheck() -> HealthCheck {
        HealthCheck("cerbos", timeout: timeout) { [client, timeout, healthURL] in
            let response = try await client.send(HTTPClientRequest(url: healthURL, timeout: timeout))
            guard response.status == 200 else { throw HTTPClientError(description: "Cerbos health answered \(response.status)", timedOut: false) }
        }
    }
}

/// Remote decisions kept for a short time, keyed by the whole request. Bounded: when full, expired
/// entries go first, then everything.
final class DecisionCache: Sendable {
    private struct Entry { var decisions: [AuthorizationDecision]; var expires: ContinuousClock.Instant }
    private let entries = Mutex<[String: Entry]>([:])
    let ttl: Swift.Duration
    let capacity: Int

    init(ttl: Swift.Duration, capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    func lookup(_ key: String) -> [AuthorizationDecision]? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if entry.expires <= now { entries[key] = nil; return nil }
            return entry.decisions
        }
    }

    func store(_ key: String, _ decisions: [AuthorizationDecision]) {
        let now = ContinuousClock.now
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = Entry(decisions: decisions, expires: now + ttl)
        }
    }
}
