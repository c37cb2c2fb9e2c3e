import Foundation
import Hummingbird
import HTTPTypes
@testable import Kernel
@testable import LintelTesting
import NIOCore
import Testing

@Suite("pagination envelope")
struct PageTests {
    func request(_ path: String) -> Request {
        Request(head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: path), body: .init(buffer: ByteBuffer()))
    }

    @Test func limitAndCursorRoundTrip() throws {
        let first = try PageRequest(request("/api/v1/things?limit=2&status=active"))
        #expect(first.limit == 2)
        #expect(first.after == nil)
        let next = try #require(first.next(for: request("/api/v1/things?limit=2&status=active"), pageCount: 2, lastKey: ["2026-01-01T00:00:00Z", "id-2"]))
        #expect(next.hasPrefix("/api/v1/things?limit=2&status=active&cursor="))
        let second = try PageRequest(request(next))
        #expect(second.after == ["2026-01-01T00:00:00Z", "id-2"])
        #expect(first.next(for: request("/x?limit=2"), pageCount: 1, lastKey: ["a"]) == nil, "a short page is the last")
    }

    @Test func badLimitsAndCursorsAreClientErrors() {
        #expect(throws: Problem.self) { try PageRequest(request("/x?limit=0")) }
        #expect(throws: Problem.self) { try PageRequest(request("/x?limit=1000")) }
        #expect(throws: Problem.self) { try PageRequest(request("/x?limit=ten")) }
        #expect(throws: Problem.self) { try PageRequest(request("/x?cursor=not-a-cursor!")) }
    }

    @Test func theEnvelopeHasResultsCountAndNext() throws {
        let page = Page(results: ["a", "b"], count: 5, next: nil)
        let json = try JSONDecoder().decode(JSONValue.self, from: try JSONCoding.encoder.encode(page))
        #expect(json == ["results": ["a", "b"], "count": 5, "next": nil])
    }
}
