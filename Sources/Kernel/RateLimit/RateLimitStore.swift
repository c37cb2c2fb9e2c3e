import Foundation
import SQLKit
import Synchronization

/// Where rate-limit state lives. The in-process store is exact and free but per process; the database
/// store is shared by every process at the cost of one round trip per limited request.
public protocol RateLimitStore: Sendable {
    func charge(key: String, limit: RateLimit, cost: Int, now: Double) async throws -> RateLimitDecision
    /// What charging one request would decide, without charging it.
    func peek(key: String, limit: RateLimit, now: Double) async throws -> RateLimitDecision
}

/// Keeps one arrival time per key in memory, sharded to keep lock contention low.
public final class InProcessRateLimitStore: RateLimitStore {
    private final class Shard: Sendable {
        let entries = Mutex<[String: Double]>([:])
    }
    private let shards: [Shard] = (0..<16).map { _ in Shard() }

    public init() {}

    public func peek(key: String, limit: RateLimit, now: Double) async throws -> RateLimitDecision {
        let shard = shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))]
        return GCRA.decide(tat: shard.entries.withLock { $0[key] }, now: now, limit: limit, cost: 1).decision
    }

    public func charge(key: String, limit: RateLimit, cost: Int, now: Double) async throws -> RateLimitDecision {
        let shard = shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))]
        return shard.entries.withLock { entries in
            let (decision, tat) = GCRA.decide(tat: entries[key], now: now, limit: limit, cost: cost)
            entries[key] = tat
            // Forget keys whose quota is whole again, so memory follows active clients only.
            if entries.count > 10_000 { entries = entries.filter { $0.value > now } }
            return decision
        }
    }
}

/// Keeps arrival times in `lintel_rate_limits`: one atomic upsert per charge, shared across processes.
public final class DatabaseRateLimitStore: RateLimitStore {
    let database: Database

    public init(database: Database) { self.database = database }

    public func peek(key: String, limit: RateLimit, now: Double) async throws -> RateLimitDecision {
        let tat = try await database.read { sql in
            try await sql.raw("SELECT tat FROM lintel_rate_limits WHERE key = \(bind: key)").first()?.decode(column: "tat", as: Double.self)
        }
        return GCRA.decide(tat: tat, now: now, limit: limit, cost: 1).decision
    }

    public func charge(key: String, limit: RateLimit, cost: Int, now: Double) async throws -> RateLimitDecision {
        let increment = Double(cost) * limit.interval
        let period = limit.period.timeInterval
        if increment > period + 1e-9 { return GCRA.decide(tat: nil, now: now, limit: limit, cost: cost).decision }
        let greatest = database.dialect == .postgres ? "GREATEST" : "MAX"
        return try await database.transaction { sql in
            let stored = try await sql.raw("""
                INSERT INTO lintel_rate_limits (key, tat) VALUES (\(bind: key), \(bind: now + increment))
                ON CONFLICT (key) DO UPDATE SET tat = \(unsafeRaw: greatest)(lintel_rate_limits.tat, \(bind: now)) + \(bind: increment)
                WHERE \(unsafeRaw: greatest)(lintel_rate_limits.tat, \(bind: now)) + \(bind: increment) - \(bind: now) <= \(bind: period + 1e-9)
                RETURNING tat
                """).first()?.decode(column: "tat", as: Double.self)
            if let stored {
                return GCRA.decide(tat: stored - increment, now: now, limit: limit, cost: cost).decision
            }
            let current = try await sql.raw("SELECT tat FROM lintel_rate_limits WHERE key = \(bind: key)").first()?.decode(column: "tat", as: Double.self)
            return GCRA.decide(tat: current, now: now, limit: limit, cost: cost).decision
        }
    }
}

extension RateLimitStore {
    /// Charges one request under `key` (`"<what>:<who>"`), throwing 429 with `Retry-After` when it is over
    /// `limit`: for limits a plugin applies itself (login attempts per client address, …).
    public func enforce(_ key: String, limit: RateLimit) async throws {
        guard !limit.isOff else { return }
        let decision = try await charge(key: key, limit: limit, cost: 1, now: Date().timeIntervalSince1970)
        if !decision.allowed { throw RateLimiter.tooManyRequests(decision, key: key) }
    }
}
