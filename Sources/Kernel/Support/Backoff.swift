/// Exponential backoff with full jitter: attempt n waits a random time up to `base · 2^(n-1)`, capped
/// at `max` — retries from many workers spread out instead of arriving together.
public enum Backoff {
    public static func delay(attempt: Int, base: Swift.Duration, max: Swift.Duration) -> Swift.Duration {
        let exponent = Swift.min(Swift.max(attempt - 1, 0), 30)
        let ceiling = Swift.min(base.timeInterval * Double(1 << exponent), max.timeInterval)
        // Keep at least half the ceiling so a retry never comes back immediately.
        let seconds = Double.random(in: (ceiling / 2)...Swift.max(ceiling, ceiling / 2 + 0.001))
        return .milliseconds(Int64(seconds * 1000))
    }
}
