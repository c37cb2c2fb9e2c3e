import Foundation
import Kernel
import Synchronization

/// Whether a session may still be used, as this process last saw it. An access token names its session
/// (`sid`); the database is asked at most once per `interval` per session, and a session this process
/// revokes is forgotten at once. Other processes see a revocation within `interval`.
final class SessionLiveness: Sendable {
    private struct Seen { let live: Bool; let at: ContinuousClock.Instant }
    private let seen = Mutex<[UUID: Seen]>([:])
    let interval: Duration
    let database: Database
    let directory: any Directory

    init(interval: Duration, database: Database, directory: any Directory) {
        self.interval = interval
        self.database = database
        self.directory = directory
    }

    func isLive(_ session: UUID) async throws -> Bool {
        let now = ContinuousClock.now
        if let hit = seen.withLock({ $0[session] }), now - hit.at < interval { return hit.live }
        let directory = directory
        let live = try await database.read { sql -> Bool in
            guard let row = try await sql.raw("SELECT user_id, revoked_at FROM auth_sessions WHERE id = \(bind: session)").first(),
                  try row.decode(column: "revoked_at", as: Date?.self) == nil else { return false }
            return try await directory.user(id: try row.decode(column: "user_id", as: UUID.self), in: sql)?.status == .active
        }
        seen.withLock { seen in
            if seen.count > 50_000 { seen.removeAll(keepingCapacity: true) }
            seen[session] = Seen(live: live, at: now)
        }
        return live
    }

    /// Sessions this process ended: refused from now on, here.
    func ended(_ sessions: [UUID]) {
        let now = ContinuousClock.now
        seen.withLock { seen in for id in sessions { seen[id] = Seen(live: false, at: now) } }
    }
}
