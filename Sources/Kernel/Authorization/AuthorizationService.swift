import Foundation
import Logging
import Metrics
import Synchronization

/// The Kernel's decision point as handlers reach it: the configured `Authorizer`, the decision log and
/// the decision metrics (`lintel_authorization_decisions_total{kind,effect}`,
/// `lintel_authorization_duration_seconds{engine}`).
public final class AuthorizationService: Sendable {
    public let authorizer: any Authorizer
    public let decisions: DecisionLog
    let engineName: String
    let logger: Logger
    let logDecisions: Bool
    private let timer: Metrics.Timer
    /// `lintel_authorization_decisions_total` per resource kind, allows then denies: made once per kind, as
    /// the metrics backend looks a counter up under a lock each time one is made.
    private let counters = Mutex<[String: (allow: Counter, deny: Counter)]>([:])

    public init(authorizer: any Authorizer, engineName: String, decisions: DecisionLog = DecisionLog(), logger: Logger, logDecisions: Bool = false) {
        self.authorizer = authorizer
        self.engineName = engineName
        self.decisions = decisions
        self.logger = logger
        self.logDecisions = logDecisions
        self.timer = Metrics.Timer(label: "lintel_authorization_duration_seconds", dimensions: [("engine", engineName)], preferredDisplayUnit: .seconds)
    }

    /// Decides `actions` for `principal` on `resource`. The first `recorded` actions (all by default) go to
    /// the decision log and the metrics; later ones are the Kernel's own probes (the `read` check behind a
    /// 404).
    /// `origin` is read only for a decision that is logged or sent to a subscriber.
    public func decide(_ principal: PolicyPrincipal, actions: [String], on resource: ResourceRef, requestID: String = "",
                       recorded: Int? = nil, origin: @autoclosure () -> EventOrigin? = nil) async -> [AuthorizationDecision] {
        let start = ContinuousClock.now
        var answers = await authorizer.decide(principal, actions: actions, on: resource)
        let elapsed = ContinuousClock.now - start
        // Fail closed: an authorizer that answers the wrong actions denies the missing ones.
        if answers.count != actions.count || zip(answers, actions).contains(where: { $0.action != $1 }) {
            let byAction = Dictionary(answers.map { ($0.action, $0) }, uniquingKeysWith: { first, _ in first })
            answers = actions.map { byAction[$0] ?? AuthorizationDecision(action: $0, allowed: false, policy: "NO_DECISION") }
        }
        let nanos = Int64(elapsed.components.seconds) * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        timer.recordNanoseconds(nanos)
        let micros = Double(nanos) / 1000
        let logged = answers.prefix(recorded ?? answers.count)
        for decision in logged {
            let counter = counters(for: resource.kind)
            (decision.allowed ? counter.allow : counter.deny).increment()
            let emit = decisions.wants(allowed: decision.allowed)
            guard emit || logDecisions else { continue }
            let origin = origin()
            let resourceOrg = resource.attributes["org_id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            let record = DecisionRecord(time: Date(), requestID: requestID, principalID: principal.id, roles: principal.roles,
                                        resourceKind: resource.kind, resourceID: resource.id, action: decision.action, allowed: decision.allowed,
                                        policy: decision.policy, scope: decision.scope, durationMicros: micros,
                                        orgID: resourceOrg ?? origin?.orgID, impersonatorID: origin?.impersonatorID,
                                        clientAddress: origin?.clientAddress, userAgent: origin?.userAgent)
            if emit { decisions.emit(record) }
            if logDecisions {
                logger.info("authorization decision", metadata: [
                    "request_id": .string(requestID), "principal": .string(principal.id), "roles": .array(principal.roles.map { .string($0) }),
                    "resource_kind": .string(resource.kind), "resource_id": .string(resource.id), "action": .string(decision.action),
                    "effect": .string(record.effect), "policy": .string(decision.policy), "scope": .string(decision.scope),
                    "duration_us": .string(String(format: "%.1f", micros)),
                ])
            }
        }
        return answers
    }

    private func counters(for kind: String) -> (allow: Counter, deny: Counter) {
        if let made = counters.withLock({ $0[kind] }) { return made }
        let made = (allow: Counter(label: "lintel_authorization_decisions_total", dimensions: [("kind", kind), ("effect", "allow")]),
                    deny: Counter(label: "lintel_authorization_decisions_total", dimensions: [("kind", kind), ("effect", "deny")]))
        counters.withLock { $0[kind] = made }
        return made
    }
}
