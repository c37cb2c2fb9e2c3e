import Synchronization

/// Results of a pure computation by everything it depends on, shared across requests. Bounded: when full
/// it starts over (simple, and a full memo of hot keys refills at once). The key's equality must be the
/// computation's: see `comparesExactly` for text.
public final class BoundedMemo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let capacity: Int
    private let entries = Mutex<[Key: Value]>([:])

    public init(capacity: Int) { self.capacity = capacity }

    public subscript(_ key: Key) -> Value? { entries.withLock { $0[key] } }

    public func remember(_ value: Value, for key: Key) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
    }

    public var count: Int { entries.withLock { $0.count } }
}
