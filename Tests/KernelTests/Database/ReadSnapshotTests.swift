import Foundation
@testable import Kernel
@testable import LintelTesting
import Logging
import SQLKit
import Synchronization
import Testing

/// SQLite readers keep their read snapshot between reads while nothing is committed. These tests open
/// two `Database`s on one file — two sets of connections, as two processes would have — and check that a
/// kept snapshot never hides a commit, whoever made it. They use SQLite whatever the suite's database is:
/// the snapshots are the SQLite store's.
@Suite("SQLite read snapshots")
struct ReadSnapshotTests {
    func withTwoDatabases(_ body: (Database, Database) async throws -> Void) async throws {
        let directory = TemporaryDirectory()
        let url = try DatabaseURL.parse(configText: "sqlite://\(directory.path)/snapshots.sqlite3").get()
        let first = try await Database.open(DatabaseSettings(url: url), logger: Logger(label: "test"))
        try await first.transaction { sql in
            try await sql.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").run()
        }
        let second = try await Database.open(DatabaseSettings(url: url), logger: Logger(label: "test"))
        do { try await body(first, second) } catch {
            await first.close(); await second.close(); throw error
        }
        await first.close()
        await second.close()
    }

    func count(_ database: Database) async throws -> Int {
        try await database.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM notes").first()?.decode(column: "n", as: Int.self) ?? -1
        }
    }

    func add(_ body: String, through database: Database) async throws {
        try await database.transaction { sql in try await sql.raw("INSERT INTO notes (body) VALUES (\(bind: body))").run() }
    }

    func snapshotsHeld(_ database: Database) throws -> Int {
        try #require(database.store as? SQLiteStore).snapshotsHeld
    }

    @Test func aReadSeesEveryCommitThatFinishedBeforeIt() async throws {
        try await withTwoDatabases { mine, other in
            // A reader's first read opens its connection's WAL; from the second on it keeps a snapshot.
            #expect(try await count(mine) == 0)
            #expect(try await count(mine) == 0)
            #expect(try snapshotsHeld(mine) >= 1)
            // Another connection's commit, while this process's reader keeps its snapshot.
            try await add("from the other process", through: other)
            #expect(try await count(mine) == 1)
            // Reads with nothing committed in between keep the snapshot and still answer the same.
            #expect(try await count(mine) == 1)
            #expect(try await count(mine) == 1)
            // This process's own commit.
            try await add("from this process", through: mine)
            #expect(try await count(mine) == 2)
            // Commits and reads interleaved, on both sides.
            for round in 1...20 {
                try await add("round \(round)", through: round.isMultiple(of: 2) ? mine : other)
                #expect(try await count(mine) == 2 + round)
                #expect(try await count(other) == 2 + round)
            }
        }
    }

    @Test func concurrentReadsSeeCommitsAsTheyLand() async throws {
        try await withTwoDatabases { mine, other in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for reader in 0..<8 {
                    group.addTask {
                        var last = 0
                        for _ in 0..<100 {
                            let seen = try await count(reader.isMultiple(of: 2) ? mine : other)
                            #expect(seen >= last, "a later read saw fewer rows than an earlier one")
                            last = seen
                        }
                    }
                }
                for round in 1...50 { try await add("row \(round)", through: round.isMultiple(of: 3) ? mine : other) }
                try await group.waitForAll()
            }
            #expect(try await count(mine) == 50)
            #expect(try await count(other) == 50)
        }
    }

    @Test func theQueriesOfOneReadSeeOneSnapshot() async throws {
        try await withTwoDatabases { mine, other in
            try await add("first", through: mine)
            let (before, after) = try await mine.read { sql -> (Int, Int) in
                let before = try await sql.raw("SELECT COUNT(*) AS n FROM notes").first()?.decode(column: "n", as: Int.self) ?? -1
                try await add("committed during the read", through: other)
                let after = try await sql.raw("SELECT COUNT(*) AS n FROM notes").first()?.decode(column: "n", as: Int.self) ?? -1
                return (before, after)
            }
            #expect(before == 1)
            #expect(after == 1)
            #expect(try await count(mine) == 2)
        }
    }

    @Test func idleSnapshotsAreEnded() async throws {
        try await withTwoDatabases { mine, other in
            for _ in 1...2 {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<4 { group.addTask { try await count(mine) } }
                    for try await seen in group { #expect(seen == 0) }
                }
            }
            #expect(try snapshotsHeld(mine) >= 1)
            // An open snapshot keeps checkpoints from copying newer pages back and the WAL from starting
            // over; readers left unused end theirs.
            try await eventually(timeout: .seconds(10), "idle readers end their snapshots") { try snapshotsHeld(mine) == 0 }
            try await add("after the sweep", through: other)
            #expect(try await count(mine) == 1)
        }
    }

    @Test func theWALStartsOverUnderConstantReadsAndWrites() async throws {
        // Snapshots kept back to back would each hold the frames of the commit before them, so checkpoints
        // would never finish and the WAL would grow by every page written (here about 5,000 pages, 20 MB).
        let directory = TemporaryDirectory()
        let path = "\(directory.path)/busy.sqlite3"
        let database = try await Database.open(DatabaseSettings(url: try DatabaseURL.parse(configText: "sqlite://\(path)").get()), logger: Logger(label: "test"))
        do {
            try await database.transaction { sql in try await sql.raw("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)").run() }
            let writing = Switch()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        while writing.isOn {
                            _ = try await database.read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM pages").first() }
                            await Task.yield()  // an inline SQLite read never suspends: let the writer's task run
                        }
                    }
                }
                let page = [UInt8](repeating: 0x5A, count: 3_000)
                for _ in 0..<1_200 {
                    try await database.transaction { sql in try await sql.raw("INSERT INTO pages (body) VALUES (\(bind: page))").run() }
                }
                writing.turnOff()
                try await group.waitForAll()
            }
            let walBytes = try #require(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int)
            #expect(walBytes < 12_000_000, "the WAL grew to \(walBytes) bytes: checkpoints never let it start over")
            #expect(try await database.read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM pages").first()?.decode(column: "n", as: Int.self) } == 1_200)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    @Test func aFailedReadEndsItsSnapshotAndTheNextReadWorks() async throws {
        try await withTwoDatabases { mine, other in
            await #expect(throws: (any Error).self) {
                try await mine.read { sql in try await sql.raw("SELECT nothing FROM nowhere").run() }
            }
            try await add("after the failure", through: other)
            #expect(try await count(mine) == 1)
        }
    }
}

/// A flag one task turns off and others watch.
private final class Switch: Sendable {
    private let on = Atomic<Bool>(true)
    var isOn: Bool { on.load(ordering: .relaxed) }
    func turnOff() { on.store(false, ordering: .relaxed) }
}
