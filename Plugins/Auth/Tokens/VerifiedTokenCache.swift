import Crypto
import Foundation
import Kernel
import Synchronization

/// Principals of tokens whose signature and claims already checked out, keyed by the token's SHA-256,
/// kept until the token expires (at most `maxAge`). An RS256 verification costs about as much as the rest
/// of a small request; a client sends the same token many times. Failures are never cached, and what a
/// cached entry cannot know (a revoked session) is checked by the caller on every use.
final class VerifiedTokenCache<Entry: Sendable>: Sendable {
    private struct Slot { let entry: Entry; let expires: Double }
    private let slots = Mutex<[SHA256Digest: Slot]>([:])
    let capacity: Int
    let maxAge: Double

    init(capacity: Int = 10_000, maxAge: Double = 300) {
        self.capacity = capacity
        self.maxAge = maxAge
    }

    func get(_ key: SHA256Digest, now: Double = Date().timeIntervalSince1970) -> Entry? {
        slots.withLock { slots in
            guard let slot = slots[key] else { return nil }
            if slot.expires <= now {
                slots[key] = nil
                return nil
            }
            return slot.entry
        }
    }

    func put(_ key: SHA256Digest, _ entry: Entry, expires: Double, now: Double = Date().timeIntervalSince1970) {
        slots.withLock { slots in
            // Full: drop what has expired, and everything if that is not enough (simple, and rare).
            if slots.count >= capacity {
                slots = slots.filter { $0.value.expires > now }
                if slots.count >= capacity { slots.removeAll(keepingCapacity: true) }
            }
            slots[key] = Slot(entry: entry, expires: min(expires, now + maxAge))
        }
    }
}
