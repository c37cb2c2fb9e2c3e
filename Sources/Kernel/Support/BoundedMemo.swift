import Synchronization

/// Results of a pure computation by everything it depends on, shared across requests. Bounded: when full
/// it starts over (simple, and a full memo of hot keys refills at once). The key's equality must be the
/// computation's: see `comparesExactly` for text.
///
/// Inlinable, so that a plugin's memo is specialized for its key type there (hashing and comparing a key
/// through generic witnesses costs more than the look-up itself).
public final class BoundedMemo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    @usableFromInline let capacity: Int
    @usableFromInline let entries = Mutex<[Key: Value]>([:])

    public init(capacity: Int) { self.capacity = capacity }

    @inlinable
    public subscript(_ key: Key) -> Value? { entries.withLock { $0[key] } }

    @inlinable
    public func remember(_ value: Value, for key: Key) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
    }

    public var count: Int { entries.withLock { $0.count } }
}
