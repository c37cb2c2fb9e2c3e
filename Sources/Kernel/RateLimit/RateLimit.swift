import Foundation

/// A rate: `limit` requests per `period`, written `100/hour`, `10/s`, `5/15m`, or `off`.
public struct RateLimit: ConfigValue, Equatable {
    public var limit: Int
    public var period: Swift.Duration

    public init(limit: Int, period: Swift.Duration) {
        self.limit = limit
        self.period = period
    }

    public static var expectation: String { "a rate like 100/hour, 10/s or 5/15m, or off" }

    /// `off` parses as a zero limit, meaning "no limit".
    public var isOff: Bool { limit == 0 }

    public static func parse(configText: String) -> Result<RateLimit, ConfigValueError> {
        let text = configText.lowercased().trimmingCharacters(in: .whitespaces)
        if text == "off" || text == "none" { return .success(RateLimit(limit: 0, period: .seconds(1))) }
        let parts = text.split(separator: "/")
        guard parts.count == 2, let limit = Int(parts[0]), limit > 0 else {
            return .failure(ConfigValueError("not a rate", help: "write count/period, e.g. 100/hour"))
        }
        let names: [String: Swift.Duration] = ["s": .seconds(1), "sec": .seconds(1), "second": .seconds(1), "m": .seconds(60), "min": .seconds(60),
                                               "minute": .seconds(60), "h": .seconds(3600), "hour": .seconds(3600), "d": .seconds(86_400), "day": .seconds(86_400)]
        let unit = String(parts[1])
        if let period = names[unit] { return .success(RateLimit(limit: limit, period: period)) }
        switch Swift.Duration.parse(configText: unit) {
        case .success(let period) where period > .zero: return .success(RateLimit(limit: limit, period: period))
        default: return .failure(ConfigValueError("unknown period '\(unit)'", help: "use s, minute, hour, day or a duration like 15m"))
        }
    }

    public var configDescription: String {
        if isOff { return "off" }
        let names: [Int64: String] = [1: "second", 60: "minute", 3600: "hour", 86_400: "day"]
        return "\(limit)/\(names[period.components.seconds] ?? period.configDescription)"
    }

    public static var placeholder: RateLimit { RateLimit(limit: 0, period: .seconds(1)) }

    /// Seconds between two requests at the sustained rate (GCRA's emission interval).
    var interval: Double { period.timeInterval / Double(limit) }
}

/// The outcome of charging a request against a limit.
public struct RateLimitDecision: Sendable, Equatable {
    public var allowed: Bool
    public var limit: Int
    /// Requests still allowed now.
    public var remaining: Int
    /// Seconds until the full quota is available again.
    public var resetAfter: Double
    /// When refused: seconds until a request of the same cost would be allowed.
    public var retryAfter: Double
}

/// The generic cell rate algorithm (as in redis-cell): one "theoretical arrival time" per key, no
/// fixed-window edges, requests may cost more than one, `Retry-After` is exact.
public enum GCRA {
    /// Charges `cost` at time `now` against a key whose stored arrival time is `tat`; returns the decision
    /// and the arrival time to store (unchanged when refused).
    public static func decide(tat stored: Double?, now: Double, limit: RateLimit, cost: Int) -> (decision: RateLimitDecision, tat: Double?) {
        let interval = limit.interval
        let period = limit.period.timeInterval
        let tat = max(stored ?? now, now)
        let next = tat + Double(cost) * interval
        if next - now > period + 1e-9 {
            let remaining = max(0, Int(((period - (tat - now)) / interval + 1e-9).rounded(.down)))
            return (RateLimitDecision(allowed: false, limit: limit.limit, remaining: remaining, resetAfter: tat - now,
                                      retryAfter: next - now - period), stored)
        }
        let remaining = max(0, Int(((period - (next - now)) / interval + 1e-9).rounded(.down)))
        return (RateLimitDecision(allowed: true, limit: limit.limit, remaining: remaining, resetAfter: next - now, retryAfter: 0), next)
    }
}
