import Foundation
import Synchronization

/// One decision, as the decision log emits it: who asked to do what to which resource, the answer, the
/// policy that gave it, and how long the decision point took.
public struct DecisionRecord: Sendable {
    public var time: Date
    public var requestID: String
    public var principalID: String
    public var roles: [String]
    public var resourceKind: String
    public var resourceID: String
    public var action: String
    public var allowed: Bool
    /// `resource.team.vdefault`, `NO_MATCH`, or why there was no decision (`CERBOS_UNAVAILABLE`).
    public var policy: String
    public var scope: String
    /// Time the decision point took for the call this decision was part of, in microseconds.
    public var durationMicros: Double
    /// The org the decision concerns: the resource's `org_id`, else the principal's current org.
    public var orgID: String?
    /// Who and from where, when a request asked.
    public var impersonatorID: String?
    public var clientAddress: String?
    public var userAgent: String?

    public var effect: String { allowed ? "EFFECT_ALLOW" : "EFFECT_DENY" }
}

/// Every authorization decision the Kernel takes is handed to the log's subscribers (the audit plugin
/// subscribes at provision time). Subscribers run inline on the request's task, so they must be quick
/// and must not throw; anything slow belongs in an event or a job.
public final class DecisionLog: Sendable {
    private struct Subscriber: Sendable {
        let deniesOnly: Bool
        let handler: @Sendable (DecisionRecord) -> Void
    }
    private let subscribers = Mutex<[Subscriber]>([])

    public init() {}

    /// Calls `handler` with every later decision (`deniesOnly`: with every later denial, so allowed
    /// requests cost nothing extra).
    public func subscribe(deniesOnly: Bool = false, _ handler: @escaping @Sendable (DecisionRecord) -> Void) {
        subscribers.withLock { $0.append(Subscriber(deniesOnly: deniesOnly, handler: handler)) }
    }

    /// Whether anyone wants a decision with this effect.
    func wants(allowed: Bool) -> Bool { subscribers.withLock { $0.contains { !allowed || !$0.deniesOnly } } }

    func emit(_ record: DecisionRecord) {
        for subscriber in subscribers.withLock({ $0 }) where !record.allowed || !subscriber.deniesOnly { subscriber.handler(record) }
    }
}
