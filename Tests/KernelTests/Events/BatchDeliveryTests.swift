import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import SQLKit
import Testing

/// A subscriber that records events in batches (`EventSubscription(…, batch:)`): several events in one
/// transaction, and — when a batch fails — one by one, so a single bad event is set aside alone.
struct BatchPlugin: Plugin {
    static let id: PluginID = "test.batches"
    static let summary = "A batch subscriber (test plugin)."
    static let migrations = [Migration("0001_batches", sql: "CREATE TABLE batch_seen (seq BIGINT PRIMARY KEY, batch_size INTEGER NOT NULL)")]

    init(settings: NoSettings, context: PluginContext) async throws {}

    func eventSubscriptions() -> [EventSubscription] {
        [EventSubscription("test.batches", events: ["thing.*"], maxAttempts: 2) { events, delivery in
            for event in events {
                if event.payload["poison"] == true { throw BatchFailure() }
                try await delivery.sql.raw("INSERT INTO batch_seen (seq, batch_size) VALUES (\(bind: event.sequence), \(bind: events.count))").run()
            }
        }]
    }

    struct BatchFailure: Error {}
}

@Suite("events: batch delivery")
struct BatchDeliveryTests {
    static let conf = "events {\n    retry_base 10ms\n    retry_max 40ms\n    poll_interval 100ms\n}\nplugin test.batches { }\n"

    static func emit(_ kernel: Kernel, _ payloads: [JSONValue]) async throws -> [Int64] {
        try await kernel.database.transaction { sql in
            var sequences: [Int64] = []
            for payload in payloads { sequences.append(try await kernel.events.emit("thing.happened", payload: payload, origin: .system, in: sql).sequence) }
            return sequences
        }
    }

    @Test func eventsCommittedTogetherArriveInOneBatchExactlyOnce() async throws {
        try await TestSite.withKernel(Self.conf, plugins: [BatchPlugin.self]) { kernel, _ in
            let sequences = try await Self.emit(kernel, (0..<10).map { ["n": .int($0)] })
            try await eventually("every event is recorded") { try await kernel.count("SELECT COUNT(*) AS n FROM batch_seen") == 10 }
            let seen = try await kernel.strings("SELECT CAST(seq AS TEXT) AS s FROM batch_seen ORDER BY seq", column: "s").compactMap(Int64.init)
            #expect(seen == sequences)
            #expect(try await kernel.count("SELECT MAX(batch_size) AS n FROM batch_seen") > 1, "delivered in batches, not one transaction each")
        }
    }

    @Test func aFailingBatchIsDeliveredOneByOneAndOnlyTheBadEventIsSetAside() async throws {
        try await TestSite.withKernel(Self.conf, plugins: [BatchPlugin.self]) { kernel, _ in
            let sequences = try await Self.emit(kernel, (0..<5).map { $0 == 2 ? ["poison": true] : ["n": .int($0)] })
            try await eventually("the bad event is set aside") {
                try await kernel.count("SELECT COUNT(*) AS n FROM lintel_event_failures WHERE subscriber = 'test.batches'") == 1
            }
            try await eventually("the others are recorded") { try await kernel.count("SELECT COUNT(*) AS n FROM batch_seen") == 4 }
            let seen = try await kernel.strings("SELECT CAST(seq AS TEXT) AS s FROM batch_seen ORDER BY seq", column: "s").compactMap(Int64.init)
            #expect(seen == sequences.enumerated().filter { $0.offset != 2 }.map(\.element))
            let setAside = try await kernel.strings("SELECT CAST(event_seq AS TEXT) AS s FROM lintel_event_failures", column: "s").compactMap(Int64.init)
            #expect(setAside == [sequences[2]])
        }
    }
}
