import Logging
import SQLKit

/// A plugin's interest in committed events: the dispatcher calls `handle` for each matching event, in
/// commit order, inside a transaction that also records the subscriber's progress — so what the handler
/// writes to the database happens exactly once, and anything else (HTTP calls) at least once.
public struct EventSubscription: Sendable {
    /// Names the subscriber; its progress is stored under this name (keep it stable).
    public var name: String
    /// Event names or patterns (`*`, `user.*`).
    public var events: [String]
    /// Attempts before the event is set aside for this subscriber (recorded, reported, skipped).
    public var maxAttempts: Int?
    /// Longest one delivery may take.
    public var timeout: Swift.Duration
    public var handle: @Sendable (DomainEvent, EventDelivery) async throws -> Void
    /// Optional: several consecutive events in one transaction (a subscriber that writes each event pays
    /// one commit per batch). When a batch fails, its events are delivered one by one through `handle`,
    /// so a single bad event is retried and set aside alone.
    public var handleBatch: (@Sendable ([DomainEvent], EventDelivery) async throws -> Void)?

    public init(_ name: String, events: [String], maxAttempts: Int? = nil, timeout: Swift.Duration = .seconds(30),
                handle: @escaping @Sendable (DomainEvent, EventDelivery) async throws -> Void) {
        self.name = name
        self.events = events
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.handle = handle
    }

    /// A subscriber that takes events in batches (`handleBatch`), and one at a time after a failure.
    public init(_ name: String, events: [String], maxAttempts: Int? = nil, timeout: Swift.Duration = .seconds(30),
                batch: @escaping @Sendable ([DomainEvent], EventDelivery) async throws -> Void) {
        self.init(name, events: events, maxAttempts: maxAttempts, timeout: timeout) { event, delivery in try await batch([event], delivery) }
        handleBatch = batch
    }

    func wants(_ name: String) -> Bool { events.contains { DomainEvent.matches($0, name) } }
}

/// What a subscriber gets with each event.
public struct EventDelivery: Sendable {
    /// The delivery's transaction: writes here commit together with the subscriber's progress.
    public let sql: any SQLDatabase
    /// 1 on the first try.
    public let attempt: Int
    public let logger: Logger
}
