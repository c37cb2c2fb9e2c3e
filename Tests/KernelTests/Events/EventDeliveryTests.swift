import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import NIOCore
import SQLKit
import Testing

@Suite("events: transactional outbox and delivery")
struct EventDeliveryTests {
    static let fast = "events {\n    retry_base 10ms\n    retry_max 40ms\n    poll_interval 100ms\n}\njobs { backoff_base 10ms\n backoff_max 20ms\n poll_interval 100ms }\n"

    func post(_ client: some TestClientProtocol, _ body: String, requestID: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/notes", method: .post, headers: [.contentType: "application/json", .requestID: requestID],
                                 body: ByteBuffer(string: #"{"body": "\#(body)"}"#))
    }

    @Test func aCommittedChangeIsDeliveredOncePerSubscriberInCommitOrder() async throws {
        try await TestSite.withKernel(Self.fast + "plugin test.notes { }", plugins: [NotesPlugin.self]) { kernel, client in
            for index in 1...3 {
                #expect(try await post(client, "note \(index)", requestID: "req-\(index)").status == .created)
            }
            let emitted = try await kernel.events.emitted(requestID: "req-2")
            #expect(emitted.map(\.name) == ["note.created"])
            #expect(emitted.first?.payload["body"] == "note 2")
            #expect(emitted.first?.requestID == "req-2")
            try await eventually("both subscribers saw three events") {
                try await kernel.count("SELECT COUNT(*) AS n FROM seen_events") == 6
            }
            let order = try await kernel.strings("SELECT CAST(seq AS TEXT) AS s FROM seen_events WHERE subscriber = 'test.recorder' ORDER BY seq", column: "s")
            #expect(order.count == 3)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM seen_events") == 6, "nothing is delivered twice")
        }
    }

    @Test func aRolledBackChangeEmitsAndEnqueuesNothing() async throws {
        try await TestSite.withKernel(Self.fast + "plugin test.notes { }", plugins: [NotesPlugin.self]) { kernel, client in
            let response = try await post(client, "rollback", requestID: "req-rollback")
            #expect(response.status == .conflict)
            #expect(try await kernel.events.emitted(requestID: "req-rollback").isEmpty)
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM notes") == 0)
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM lintel_jobs WHERE kind = 'test.echo'") == 0)
            #expect(try await post(client, "kept", requestID: "req-kept").status == .created)
            try await eventually("the committed note is delivered") {
                try await kernel.count("SELECT COUNT(*) AS n FROM seen_events WHERE subscriber = 'test.recorder'") == 1
            }
        }
    }

    @Test func aFailingSubscriberIsRetriedThenSetAsideWithoutHoldingUpOthers() async throws {
        try await TestSite.withKernel(Self.fast + "plugin test.notes {\n    flaky_failures 100\n    flaky_attempts 3\n}", plugins: [NotesPlugin.self]) { kernel, client in
            for index in 1...2 { _ = try await post(client, "n\(index)", requestID: "r\(index)") }
            try await eventually("the reliable subscriber is not held up") {
                try await kernel.count("SELECT COUNT(*) AS n FROM seen_events WHERE subscriber = 'test.recorder'") == 2
            }
            try await eventually("the failing subscriber sets both events aside") {
                try await kernel.count("SELECT COUNT(*) AS n FROM lintel_event_failures WHERE subscriber = 'test.flaky'") == 2
            }
            let attempts = try await kernel.strings("SELECT CAST(attempts AS TEXT) AS a FROM lintel_event_failures", column: "a")
            #expect(attempts == ["3", "3"])
            let errors = try await kernel.strings("SELECT error FROM lintel_event_failures", column: "error")
            #expect(errors.allSatisfy { $0 == "flaky failure on attempt 3" })
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM seen_events WHERE subscriber = 'test.flaky'") == 0)
        }
    }

    @Test func aSubscriberThatRecoversGetsEveryEventInOrder() async throws {
        try await TestSite.withKernel(Self.fast + "plugin test.notes {\n    flaky_failures 2\n    flaky_attempts 5\n}", plugins: [NotesPlugin.self]) { kernel, client in
            for index in 1...3 { _ = try await post(client, "n\(index)", requestID: "r\(index)") }
            try await eventually("the flaky subscriber catches up") {
                try await kernel.count("SELECT COUNT(*) AS n FROM seen_events WHERE subscriber = 'test.flaky'") == 3
            }
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM lintel_event_failures") == 0)
            let flaky = try await kernel.strings("SELECT CAST(seq AS TEXT) AS s FROM seen_events WHERE subscriber = 'test.flaky'", column: "s").compactMap(Int.init)
            let recorder = try await kernel.strings("SELECT CAST(seq AS TEXT) AS s FROM seen_events WHERE subscriber = 'test.recorder'", column: "s").compactMap(Int.init)
            #expect(flaky.sorted() == recorder.sorted())
        }
    }

    @Test func progressSurvivesARestart() async throws {
        let scratch = try await ScratchDatabase.make()
        let conf = "database \(scratch.url) { auto_migrate on; busy_timeout 30s }\nrate_limit { enabled off }\n" + Self.fast + "plugin test.notes { }"
        for round in 1...2 {
            let kernel = try await Kernel.boot(try TestSite.load(conf, plugins: [NotesPlugin.self]), logSink: .capture())
            try await kernel.makeApplication().test(.router) { client in
                _ = try await post(client, "round \(round)", requestID: "round-\(round)")
                try await eventually("round \(round) delivered") {
                    try await kernel.count("SELECT COUNT(*) AS n FROM seen_events WHERE subscriber = 'test.recorder'") == round
                }
            }
            await kernel.shutdown()
        }
        await scratch.drop()
    }

    @Test func emittingOutsideATransactionIsRefused() async throws {
        try await TestSite.withKernel("plugin test.notes { }", plugins: [NotesPlugin.self]) { kernel, _ in
            await #expect(throws: EventBus.Failure.self) {
                try await kernel.database.read { sql in
                    try await kernel.events.emit("note.created", payload: [:], origin: .system, in: sql)
                }
            }
            await #expect(throws: EventBus.Failure.self) {
                try await kernel.database.transaction { sql in
                    try await kernel.events.emit("NotAName", payload: [:], origin: .system, in: sql)
                }
            }
        }
    }
}
