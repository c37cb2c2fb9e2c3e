import Synchronization

/// What a process read from the database, kept for `interval`: for read paths that run on every request
/// (a principal's memberships, a profile, the site's branding). A change this process makes calls
/// `invalidateAfterCommit()` inside its transaction, so it applies here at once, and only once it
/// committed; other processes see it within `interval`.
///
/// Inlinable for the same reason as `BoundedMemo`: plugins' caches are specialized for their key types.
public final class ReadThroughCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    @usableFromInline struct Entry: Sendable {
        @usableFromInline let value: Value
        @usableFromInline let at: ContinuousClock.Instant
        @usableFromInline let generation: Int

        @usableFromInline init(value: Value, at: ContinuousClock.Instant, generation: Int) {
            self.value = value
            self.at = at
            self.generation = generation
        }
    }

    public let interval: Duration
    @usableFromInline let capacity: Int
    @usableFromInline let generation = Atomic<Int>(0)
    @usableFromInline let entries = Mutex<[Key: Entry]>([:])

    public init(interval: Duration, capacity: Int = 50_000) {
        self.interval = interval
        self.capacity = capacity
    }

    /// The cached value, or `load()`'s (then cached).
    @inlinable
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
