import Synchronization

/// What a process read from the database, kept for `interval`: for read paths that run on every request
/// (a principal's memberships, a profile, the site's branding). A change this process makes calls
/// `invalidateAfterCommit()` inside its transaction, so it applies here at once, and only once it
/// committed; other processes see it within `interval`.
public final class ReadThroughCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        let value: Value
        let at: ContinuousClock.Instant
        let generation: Int
    }

    public let interval: Duration
    private let capacity: Int
    private let generation = Atomic<Int>(0)
    private let entries = Mutex<[Key: Entry]>([:])

    public init(interval: Duration, capacity: Int = 50_000) {
        self.interval = interval
        self.capacity = capacity
    }

    /// The cached value, or `load()`'s (then cached).
    public func value(for key: Key, load: () async throws -> Value) async throws -> Value {
        let now = ContinuousClock.now
        let current = generation.load(ordering: .relaxed)
        if let hit = entries.withLock({ $0[key] }), hit.generation == current, now - hit.at < interval { return hit.value }
        let value = try await load()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, at: now, generation: current)
        }
        return value
    }

    /// Forgets everything once the current transaction commits (or at once outside one).
    public func invalidateAfterCommit() {
        Database.afterCommit { [self] in generation.add(1, ordering: .relaxed) }
    }
}
