import Foundation
import Testing
import Kernel

/// Ids as text: Lintel's own reader and writer agree with Foundation's on every id, and the reader takes
/// the canonical form only (Foundation's `sscanf` also lets a leading space or a short last group through).
@Suite("UUID text")
struct UUIDTextTests {
    @Test func writingAndReadingAgreeWithFoundation() {
        for _ in 0..<2_000 {
            let id = UUID()
            #expect(id.lowercasedString == id.uuidString.lowercased())
            #expect(id.uppercasedString == id.uuidString, "as stored in SQLite")
            #expect(UUID(canonical: id.uuidString) == id, "upper case")
            #expect(UUID(canonical: id.lowercasedString) == id, "lower case")
            #expect(UUID(canonical: id.uuidString.lowercased()[...]) == id, "a substring")
        }
        let mixed = "0189aBcD-eF01-7a2b-8C3d-4E5f60718293"
        #expect(UUID(canonical: mixed) == UUID(uuidString: mixed))
    }

    @Test(arguments: [
        "", "0189abcd-ef01-7a2b-8c3d-4e5f6071829", "0189abcd-ef01-7a2b-8c3d-4e5f607182930", "0189abcdef01-7a2b-8c3d-4e5f60718293-",
        "0189abcd_ef01_7a2b_8c3d_4e5f60718293", "0189abcg-ef01-7a2b-8c3d-4e5f60718293", "{0189abcd-ef01-7a2b-8c3d-4e5f60718293}",
        " 0189abcd-ef01-7a2b-8c3d-4e5f6071829", "0189abcd-ef01-7a2b-8c3d-4e5f6071829\u{e9}",
    ])
    func anythingButTheCanonicalFormIsRefused(text: String) {
        #expect(UUID(canonical: text) == nil)
    }
}
