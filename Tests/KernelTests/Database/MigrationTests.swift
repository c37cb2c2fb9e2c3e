import Foundation
@testable import Kernel
@testable import LintelTesting
import Logging
import SQLKit
import Testing

@Suite("migrations")
struct MigrationTests {
    static let first = Migration("0001_widgets", sql: "CREATE TABLE widgets (id UUID PRIMARY KEY, name TEXT NOT NULL); CREATE INDEX widgets_name ON widgets (name)")
    static let second = Migration("0002_widget_size", sql: "ALTER TABLE widgets ADD COLUMN size BIGINT NOT NULL DEFAULT 0")

    /// A generous busy timeout: concurrent migrators on a loaded machine wait for each other's locks.
    func open(_ scratch: ScratchDatabase) async throws -> Database {
        let url = try DatabaseURL.parse(configText: scratch.url).get()
        return try await Database.open(DatabaseSettings(url: url, busyTimeout: .seconds(60)), logger: Logger(label: "test"))
    }

    @Test func appliesPendingMigrationsInOrderAndRecordsThem() async throws {
        let scratch = try await ScratchDatabase.make()
        let database = try await open(scratch)
        let migrator = Migrator(database: database, sets: [MigrationSet(owner: "test", migrations: [Self.first, Self.second])], logger: Logger(label: "test"))
        #expect(try await migrator.status().map(\.state) == [.pending, .pending])
        let applied = try await migrator.migrate()
        #expect(applied.map(\.id) == ["0001_widgets", "0002_widget_size"])
        let states = try await migrator.status().map(\.state)
        #expect(states.allSatisfy { if case .applied = $0 { true } else { false } })
        #expect(try await migrator.migrate().isEmpty)
        try await database.transaction { sql in
            try await sql.insert(into: "widgets").columns("id", "name", "size").values(SQLBind(UUID.v7()), SQLBind("gear"), SQLBind(3)).run()
        }
        let size = try await database.read { sql in try await sql.select().column("size").from("widgets").first()?.decode(column: "size", as: Int.self) }
        #expect(size == 3)
        await database.close()
        await scratch.drop()
    }

    @Test func aChangedMigrationIsRefusedAndNothingIsApplied() async throws {
        let scratch = try await ScratchDatabase.make()
        let database = try await open(scratch)
        try await Migrator(database: database, sets: [MigrationSet(owner: "test", migrations: [Self.first])], logger: Logger(label: "test")).migrate()
        let edited = Migration("0001_widgets", sql: "CREATE TABLE widgets (id UUID PRIMARY KEY, label TEXT)")
        let migrator = Migrator(database: database, sets: [MigrationSet(owner: "test", migrations: [edited, Self.second])], logger: Logger(label: "test"))
        await #expect(throws: Migrator.Failure.self) { try await migrator.migrate() }
        let states = try await migrator.status().map(\.state)
        guard case .changed = states[0] else { Issue.record("expected changed, got \(states[0])"); return }
        #expect(states[1] == .pending)
        await database.close()
        await scratch.drop()
    }

    @Test func aFailingMigrationRollsBackEntirely() async throws {
        let scratch = try await ScratchDatabase.make()
        let database = try await open(scratch)
        let broken = Migration("0002_broken", sql: "CREATE TABLE gadgets (id UUID PRIMARY KEY); INSERT INTO no_such_table VALUES (1)")
        let migrator = Migrator(database: database, sets: [MigrationSet(owner: "test", migrations: [Self.first, broken])], logger: Logger(label: "test"))
        await #expect {
            try await migrator.migrate()
        } throws: { error in
            "\(error)".hasPrefix("migration test/0002_broken failed and was rolled back")
        }
        let states = try await migrator.status().map(\.state)
        #expect(states[1] == .pending)
        let gadgets = try? await database.read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM gadgets").first() }
        #expect(gadgets == nil, "the table of the failed migration must not exist")
        await database.close()
        await scratch.drop()
    }

    @Test func migrationsOfOwnersNoLongerEnabledAreListedAsUnknown() async throws {
        let scratch = try await ScratchDatabase.make()
        let database = try await open(scratch)
        try await Migrator(database: database, sets: [MigrationSet(owner: "gone", migrations: [Self.first])], logger: Logger(label: "test")).migrate()
        let status = try await Migrator(database: database, sets: [], logger: Logger(label: "test")).status()
        guard case .unknown = status.first?.state else { Issue.record("expected unknown: \(status)"); return }
        await database.close()
        await scratch.drop()
    }

    @Test func concurrentMigratorsApplyEachMigrationOnce() async throws {
        let scratch = try await ScratchDatabase.make()
        let sets = [MigrationSet(owner: "test", migrations: (1...8).map {
            Migration(String(format: "%04d_table", $0), sql: "CREATE TABLE t\($0) (id BIGINT PRIMARY KEY)")
        })]
        let databases = try await [open(scratch), open(scratch), open(scratch)]
        let applied: [Migrator.Status]
        do {
            applied = try await withThrowingTaskGroup(of: [Migrator.Status].self) { group in
                for database in databases {
                    group.addTask { try await Migrator(database: database, sets: sets, logger: Logger(label: "test")).migrate() }
                }
                return try await group.reduce(into: [Migrator.Status]()) { $0 += $1 }
            }
        } catch {
            // Connections must be closed before they go away, whatever happened.
            for database in databases { await database.close() }
            await scratch.drop()
            throw error
        }
        #expect(applied.count == 8)
        #expect(Set(applied.map(\.id)).count == 8)
        let rows = try await databases[0].read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM lintel_migrations").first()?.decode(column: "n", as: Int.self) }
        #expect(rows == 8)
        for database in databases { await database.close() }
        await scratch.drop()
    }

    @Test func statementsSplitOutsideQuotesCommentsAndBodies() {
        let sql = """
            CREATE TABLE a (x TEXT DEFAULT ';'); -- a comment; with a semicolon
            /* block; comment */ CREATE TABLE b (y TEXT);
            CREATE FUNCTION f() RETURNS trigger AS $body$ BEGIN NEW.x := 'a;b'; RETURN NEW; END; $body$ LANGUAGE plpgsql;
            CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 'y'; DELETE FROM b; END;
            """
        let statements = SQLStatementSplitter.split(sql)
        #expect(statements.count == 4)
        #expect(statements[2].hasSuffix("LANGUAGE plpgsql"))
        #expect(statements[3].hasSuffix("END"))
    }
}
