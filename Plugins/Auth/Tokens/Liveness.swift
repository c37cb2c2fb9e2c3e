import Foundation
import Kernel
import Synchronization

/// Whether something a verified token stands for may still be used, as this process last saw it: a
/// session of auth.local (`sid`), a just-in-time user of auth.keycloak. A verified token is cached until
/// it expires, but a revocation must not wait that long: the database is asked at most once per
/// `interval` per id, and what this process ends is refused here at once. Other processes see a
/// revocation within `interval`.
final class Liveness<ID: Hashable & Sendable>: Sendable {
    private struct Seen { let live: Bool; let at: ContinuousClock.Instant }
    private let seen = Mutex<[ID: Seen]>([:])
    let interval: Duration
    let lookup: @Sendable (ID) async throws -> Bool

    init(interval: Duration, lookup: @escaping @Sendable (ID) async throws -> Bool) {
        self.interval = interval
        self.lookup = lookup
    }

    func isLive(_ id: ID) async throws -> Bool {
        let now = ContinuousClock.now
        if let hit = seen.withLock({ $0[id] }), now - hit.at < interval { return hit.live }
        let live = try await lookup(id)
        seen.withLock { seen in
            if seen.count > 50_000 { seen.removeAll(keepingCapacity: true) }
            seen[id] = Seen(live: live, at: now)
        }
        return live
    }

    /// Ids this process ended: refused from now on, here.
    func ended(_ ids: [ID]) {
        let now = ContinuousClock.now
        seen.withLock { seen in for id in ids { seen[id] = Seen(live: false, at: now) } }
    }
}

extension Liveness where ID == UUID {
    /// auth.local's sessions: live while not revoked and their user is active.
    static func sessions(interval: Duration, database: Database, directory: any Directory) -> Liveness<UUID> {
        Liveness(interval: interval) { session in
            try await database.read { sql -> Bool in
                guard let row = try await sql.raw("SELECT user_id, revoked_at FROM auth_sessions WHERE id = \(bind: session)").first(),
                      try row.decode(column: "revoked_at", as: Date?.self) == nil else { return false }
                return try await directory.user(id: try row.decode(column: "user_id", as: UUID.self), in: sql)?.status == .active
            }
        }
    }

    /// Users: live while their account is active.
    static func users(interval: Duration, database: Database, directory: any Directory) -> Liveness<UUID> {
        Liveness(interval: interval) { user in
            try await database.read { sql in try await directory.user(id: user, in: sql)?.status == .active }
        }
    }
}
