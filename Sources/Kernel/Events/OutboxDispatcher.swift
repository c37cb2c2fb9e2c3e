import Foundation
import Logging
import Metrics
import ServiceLifecycle
import SQLKit

/// Delivers committed events to each subscriber, in commit order, at least once.
///
/// Every subscriber has its own cursor row (`lintel_event_cursors`), leased by one process at a time,
/// so a slow or failing subscriber holds up nobody else. A delivery runs in a transaction that also
/// advances the cursor. A failing delivery is retried with exponential backoff; after `max_attempts`
/// the event is recorded in `lintel_event_failures` for that subscriber and skipped.
final class OutboxDispatcher: Service {
    let database: Database
    let bus: EventBus
    let subscriptions: [EventSubscription]
    let settings: EventsSettings
    let owner: String
    let logger: Logger

    init(database: Database, bus: EventBus, subscriptions: [EventSubscription], settings: EventsSettings, owner: String, logger: Logger) {
        self.database = database
        self.bus = bus
        self.subscriptions = subscriptions
        self.settings = settings
        self.owner = owner
        self.logger = logger
    }

    func run() async throws {
        guard !subscriptions.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for subscription in self.subscriptions {
                    group.addTask { await self.loop(subscription) }
                }
            }
        }
    }

    /// Ensures every subscriber has a cursor; new subscribers start at the beginning of the outbox.
    static func register(_ subscriptions: [EventSubscription], database: Database) async throws {
        try await database.transaction { sql in
            for subscription in subscriptions {
                try await sql.raw("""
                    INSERT INTO lintel_event_cursors (subscriber, last_seq, consecutive_failures, updated_at)
                    VALUES (\(bind: subscription.name), 0, 0, \(bind: Date())) ON CONFLICT (subscriber) DO NOTHING
                    """).run()
            }
        }
    }

    private func loop(_ subscription: EventSubscription) async {
        var logger = self.logger
        logger[metadataKey: "subscriber"] = .string(subscription.name)
        while !Task.isCancelled {
            do {
                let seen = bus.committed.count  // before reading: a commit from now on wakes the wait below
                let worked = try await drain(subscription, logger: logger)
                if !worked { await bus.committed.wait(after: seen, timeout: settings.pollInterval) }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("event dispatch interrupted", metadata: ["error": .string("\(error)")])
                try? await Task.sleep(for: settings.pollInterval)
            }
        }
    }

    /// Delivers one batch if this process holds the subscriber's lease; returns whether it found events.
    private func drain(_ subscription: EventSubscription, logger: Logger) async throws -> Bool {
        guard let cursor = try await lease(subscription.name) else { return false }
        let batch = try await bus.events(after: cursor, limit: settings.batchSize)
        guard !batch.isEmpty else { return false }
        if subscription.handleBatch != nil, try await deliverBatch(batch, to: subscription, logger: logger) {
            return true
        }
        var skipped: Int64?
        for event in batch {
            try Task.checkCancellation()
            guard subscription.wants(event.name) else {
                skipped = event.sequence
                continue
            }
            if let skipped { try await advance(subscription.name, to: skipped, sql: nil) }
            skipped = nil
            try await deliver(event, to: subscription, logger: logger)
        }
        if let skipped { try await advance(subscription.name, to: skipped, sql: nil) }
        Gauge(label: "lintel_event_subscriber_lag", dimensions: [("subscriber", subscription.name)])
            .record(Double(max(0, (try? await bus.latestSequence()) ?? 0) - (batch.last?.sequence ?? 0)))
        return true
    }

    /// Delivers every wanted event of `batch` in one transaction and moves the cursor past the batch;
    /// `false` when that failed (the caller then delivers one by one).
    private func deliverBatch(_ batch: [DomainEvent], to subscription: EventSubscription, logger: Logger) async throws -> Bool {
        guard let handleBatch = subscription.handleBatch, let last = batch.last else { return false }
        let wanted = batch.filter { subscription.wants($0.name) }
        do {
            try await database.transaction { sql in
                let delivery = EventDelivery(sql: sql, attempt: 1, logger: logger)
                if !wanted.isEmpty { try await withTimeout(subscription.timeout) { try await handleBatch(wanted, delivery) } }
                try await self.advance(subscription.name, to: last.sequence, sql: sql)
            }
        } catch let error as LeaseLost {
            throw error
        } catch {
            if error is CancellationError { throw error }
            logger.notice("event batch failed; delivering one by one", metadata: ["subscriber": .string(subscription.name), "error": .string("\(error)")])
            return false
        }
        Counter(label: "lintel_event_deliveries_total", dimensions: [("subscriber", subscription.name), ("outcome", "delivered")]).increment(by: wanted.count)
        Gauge(label: "lintel_event_subscriber_lag", dimensions: [("subscriber", subscription.name)])
            .record(Double(max(0, (try? await bus.latestSequence()) ?? 0) - last.sequence))
        return true
    }

    private func deliver(_ event: DomainEvent, to subscription: EventSubscription, logger: Logger) async throws {
        let maxAttempts = subscription.maxAttempts ?? settings.maxAttempts
        var attempt = 1
        while true {
            let currentAttempt = attempt
            do {
                try await database.transaction { sql in
                    let delivery = EventDelivery(sql: sql, attempt: currentAttempt, logger: logger)
                    try await withTimeout(subscription.timeout) { try await subscription.handle(event, delivery) }
                    try await self.advance(subscription.name, to: event.sequence, sql: sql)
                }
                Counter(label: "lintel_event_deliveries_total", dimensions: [("subscriber", subscription.name), ("outcome", "delivered")]).increment()
                if attempt > 1 { Gauge(label: "lintel_event_subscriber_failing", dimensions: [("subscriber", subscription.name)]).record(0) }
                return
            } catch let error as LeaseLost {
                throw error
            } catch {
                if error is CancellationError { throw error }
                Counter(label: "lintel_event_deliveries_total", dimensions: [("subscriber", subscription.name), ("outcome", "failed")]).increment()
                Gauge(label: "lintel_event_subscriber_failing", dimensions: [("subscriber", subscription.name)]).record(1)
                let message = String(String(describing: error).prefix(2000))
                try? await recordFailure(subscription.name, error: message)
                logger.warning("event delivery failed", metadata: [
                    "event": .string(event.name), "event_seq": .stringConvertible(event.sequence),
                    "attempt": .stringConvertible(attempt), "error": .string(message),
                ])
                guard attempt < maxAttempts else {
                    try await setAside(event, subscription: subscription.name, attempts: attempt, error: message)
                    Counter(label: "lintel_event_deliveries_total", dimensions: [("subscriber", subscription.name), ("outcome", "set_aside")]).increment()
                    logger.error("event set aside after repeated failures", metadata: ["event": .string(event.name), "event_seq": .stringConvertible(event.sequence)])
                    return
                }
                try await Task.sleep(for: Backoff.delay(attempt: attempt, base: settings.retryBase, max: settings.retryMax))
                _ = try await lease(subscription.name)
                attempt += 1
            }
        }
    }

    struct LeaseLost: Error, CustomStringConvertible {
        var description: String { "another process took over this subscriber" }
    }

    /// Takes or renews the subscriber's lease; returns its cursor, or `nil` when another process holds it.
    private func lease(_ subscriber: String) async throws -> Int64? {
        let now = Date()
        let until = now.addingTimeInterval(settings.lease.timeInterval)
        return try await database.transaction { sql in
            try await sql.raw("""
                UPDATE lintel_event_cursors SET leased_by = \(bind: self.owner), lease_until = \(bind: until)
                WHERE subscriber = \(bind: subscriber) AND (leased_by IS NULL OR leased_by = \(bind: self.owner) OR lease_until < \(bind: now))
                RETURNING last_seq
                """).first()?.decode(column: "last_seq", as: Int64.self)
        }
    }

    /// Moves the cursor, only while this process still holds the lease (else the delivery rolls back).
    private func advance(_ subscriber: String, to sequence: Int64, sql: (any SQLDatabase)?) async throws {
        let update: @Sendable (any SQLDatabase) async throws -> Void = { sql in
            let row = try await sql.raw("""
                UPDATE lintel_event_cursors SET last_seq = \(bind: sequence), consecutive_failures = 0, last_error = NULL, updated_at = \(bind: Date())
                WHERE subscriber = \(bind: subscriber) AND leased_by = \(bind: self.owner) AND last_seq < \(bind: sequence)
                RETURNING subscriber
                """).first()
            if row == nil { throw LeaseLost() }
        }
        if let sql { try await update(sql) } else { try await database.transaction(update) }
    }

    private func recordFailure(_ subscriber: String, error: String) async throws {
        try await database.transaction { sql in
            try await sql.raw("""
                UPDATE lintel_event_cursors SET consecutive_failures = consecutive_failures + 1, last_error = \(bind: error), updated_at = \(bind: Date())
                WHERE subscriber = \(bind: subscriber) AND leased_by = \(bind: self.owner)
                """).run()
        }
    }

    private func setAside(_ event: DomainEvent, subscription: String, attempts: Int, error: String) async throws {
        try await database.transaction { sql in
            try await sql.raw("""
                INSERT INTO lintel_event_failures (subscriber, event_seq, event_id, event_name, attempts, error, failed_at)
                VALUES (\(bind: subscription), \(bind: event.sequence), \(bind: event.id), \(bind: event.name), \(bind: attempts), \(bind: error), \(bind: Date()))
                ON CONFLICT (subscriber, event_seq) DO NOTHING
                """).run()
            try await self.advance(subscription, to: event.sequence, sql: sql)
        }
    }
}
