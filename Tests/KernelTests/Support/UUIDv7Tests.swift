import Foundation
import Kernel
import Testing

@Suite("UUID version 7")
struct UUIDv7Tests {
    private func bytes(_ id: UUID) -> [UInt8] { withUnsafeBytes(of: id.uuid) { Array($0) } }

    @Test func carriesTheMillisecondsTheVersionAndTheVariant() {
        let before = UInt64(Date().timeIntervalSince1970 * 1000)
        let id = bytes(UUID.v7())
        let after = UInt64(Date().timeIntervalSince1970 * 1000)
        let millis = id[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(millis >= before)
        // Ahead of the clock only when more than 4,096 ids were made in one millisecond (other tests run too).
        #expect(millis <= after + 1_000)
        #expect(id[6] >> 4 == 7)
        #expect(id[8] >> 6 == 0b10)
    }

    @Test func idsMadeInARowSortInCreationOrderAndNeverRepeat() {
        // Several hundred ids: the same millisecond many times over, and many refills of the random pool.
        let ids = (0..<5_000).map { _ in UUID.v7() }
        let texts = ids.map(\.uuidString)
        #expect(texts == texts.sorted())
        #expect(Set(texts).count == ids.count)
        // The random tails differ too (not one pool replayed): 62 random bits per id.
        let tails = Set(ids.map { bytes($0)[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } })
        #expect(tails.count == ids.count)
    }

    @Test func idsFromManyTasksAtOnceNeverRepeat() async {
        let ids = await withTaskGroup(of: [UUID].self) { group in
            for _ in 0..<8 { group.addTask { (0..<1_000).map { _ in UUID.v7() } } }
            var all: [UUID] = []
            for await batch in group { all += batch }
            return all
        }
        #expect(Set(ids).count == 8_000)
        for id in ids.prefix(100) { #expect(bytes(id)[6] >> 4 == 7) }
    }
}
