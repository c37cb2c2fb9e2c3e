import Foundation
import Kernel
@testable import LintelTesting
import Logging
import SQLKit
import Testing

@Suite("database API")
struct DatabaseTests {
    func withDatabase(_ body: (Database) async throws -> Void) async throws {
        let scratch = try await ScratchDatabase.make()
        let database = try await Database.open(DatabaseSettings(url: try DatabaseURL.parse(configText: scratch.url).get()), logger: Logger(label: "test"))
        try await database.transaction { sql in
            try await sql.raw("CREATE TABLE notes (id UUID PRIMARY KEY, body TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)").run()
        }
        do { try await body(database) } catch {
            await database.close(); await scratch.drop(); throw error
        }
        await database.close()
        await scratch.drop()
    }

    struct Expected: Error {}

    @Test func transactionsCommitOrRollBackAsAWhole() async throws {
        try await withDatabase { database in
            try await database.transaction { sql in
                try await sql.insert(into: "notes").columns("id", "body", "created_at").values(SQLBind(UUID.v7()), SQLBind("one"), SQLBind(Date())).run()
            }
            await #expect(throws: Expected.self) {
                try await database.transaction { sql in
                    try await sql.insert(into: "notes").columns("id", "body", "created_at").values(SQLBind(UUID.v7()), SQLBind("two"), SQLBind(Date())).run()
                    throw Expected()
                }
            }
            let bodies = try await database.read { sql in try await sql.select().column("body").from("notes").all().map { try $0.decode(column: "body", as: String.self) } }
            #expect(bodies == ["one"])
        }
    }

    @Test func aNestedTransactionIsASavepoint() async throws {
        try await withDatabase { database in
            try await database.transaction { sql in
                try await sql.insert(into: "notes").columns("id", "body", "created_at").values(SQLBind(UUID.v7()), SQLBind("outer"), SQLBind(Date())).run()
                try? await database.transaction { inner in
                    try await inner.insert(into: "notes").columns("id", "body", "created_at").values(SQLBind(UUID.v7()), SQLBind("inner"), SQLBind(Date())).run()
                    throw Expected()
                }
            }
            let bodies = try await database.read { sql in try await sql.select().column("body").from("notes").all().map { try $0.decode(column: "body", as: String.self) } }
            #expect(bodies == ["outer"])
        }
    }

    @Test func concurrentWritersAllLand() async throws {
        try await withDatabase { database in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<50 {
                    group.addTask {
                        try await database.transaction { sql in
                            try await sql.insert(into: "notes").columns("id", "body", "created_at").values(SQLBind(UUID.v7()), SQLBind("n\(i)"), SQLBind(Date())).run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let count = try await database.read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM notes").first()?.decode(column: "n", as: Int.self) }
            #expect(count == 50)
        }
    }

    @Test func uuidsAndTimestampsRoundTripInUTC() async throws {
        try await withDatabase { database in
            let id = UUID.v7()
            let now = Date(timeIntervalSince1970: 1_790_000_000.125)
            try await database.transaction { sql in
                try await sql.insert(into: "notes").columns("id", "body", "created_at").values(SQLBind(id), SQLBind("t"), SQLBind(now)).run()
            }
            let row = try await database.read { sql in try await sql.select().columns("id", "created_at").from("notes").first() }
            #expect(try row?.decode(column: "id", as: UUID.self) == id)
            let stored = try #require(try row?.decode(column: "created_at", as: Date.self))
            #expect(abs(stored.timeIntervalSince(now)) < 0.001)
        }
    }

    @Test func version7UUIDsSortInCreationOrder() {
        let ids = (0..<2000).map { _ in UUID.v7() }
        #expect(ids.map(\.lowercasedString) == ids.map(\.lowercasedString).sorted())
        #expect(ids.allSatisfy { $0.lowercasedString[$0.lowercasedString.index($0.lowercasedString.startIndex, offsetBy: 14)] == "7" })
    }
}
