import Foundation
import Kernel
import Testing

/// The hand-written JSON writer and string-list reader agree with Foundation's, and timestamps are ISO 8601.
@Suite("JSON values")
struct JSONValueTests {
    @Test func theWriterProducesJSONThatFoundationReadsBackUnchanged() throws {
        let value: JSONValue = [
            "z": 1, "a": [true, false, .null], "quote\"and\\back": "line\nbreak\ttab\u{1}\u{7f}é🎉", "double": 1.5, "whole": 2.0,
            "big": 1e300, "nested": ["b": ["c": []]], "": "empty key",
        ]
        let text = value.jsonString()
        #expect(text.hasPrefix("{\"\":\"empty key\",\"a\":[true,false,null],\"big\":"), "keys sorted by their bytes")
        #expect(text.contains("\"whole\":2"))
        #expect(text.contains("\\u0001"))
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(decoded == value.merging(["whole": 2]))
        #expect(JSONValue.double(.nan).jsonString() == "null")
        #expect(JSONValue.string("a/b").jsonString() == "\"a/b\"", "slashes are not escaped")
        #expect((["é": 1, "z": 2, "e": 3, "ea": 4] as JSONValue).jsonString() == #"{"e":3,"ea":4,"z":2,"é":1}"#, "byte order, shorter first")
        #expect(JSONValue.string("\"\\\u{8}\u{c}\r\u{1f}ok").jsonString() == #""\"\\\b\f\r\u001fok""#)
    }

    @Test func integersAndLargeObjectsAreWrittenInOrder() throws {
        #expect(JSONValue.array([.int(0), .int(-1), .int(7), .int(Int.max), .int(Int.min)]).jsonString()
            == "[0,-1,7,\(Int.max),\(Int.min)]")
        // More members than the writer sorts by insertion: the standard sort, same order.
        var numbers: [String: Int] = [:]
        for number in 0..<40 { numbers["k\(number)"] = number * 37 - 500 }
        numbers["é"] = 1
        numbers["K"] = 2
        let members = numbers.mapValues { JSONValue.int($0) }
        let expected = "{" + numbers.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .map { "\"\($0)\":\(numbers[$0]!)" }.joined(separator: ",") + "}"
        #expect(JSONValue.object(members).jsonString() == expected)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(JSONValue.object(members).jsonBytes))
        #expect(decoded == .object(members))
    }

    @Test func stringListsAreReadDirectlyAndEscapesStillWork() {
        #expect(JSONValue.strings(fromJSON: "[]") == [])
        #expect(JSONValue.strings(fromJSON: "[ ]") == [])
        #expect(JSONValue.strings(fromJSON: "[\"platform_admin\",\"user\"]") == ["platform_admin", "user"])
        #expect(JSONValue.strings(fromJSON: "[ \"a\" , \"b\" ]") == ["a", "b"])
        #expect(JSONValue.strings(fromJSON: "[\"quo\\\"te\"]") == ["quo\"te"])
        #expect(JSONValue.strings(fromJSON: "[\"é\"]") == ["é"])
        #expect(JSONValue.strings(fromJSON: "[1]") == nil)
        #expect(JSONValue.strings(fromJSON: "[\"a\" \"b\"]") == nil)
        #expect(JSONValue.strings(fromJSON: "[\"a\",]") == nil)
        #expect(JSONValue.strings(fromJSON: "{}") == nil)
        #expect(JSONValue.strings(fromJSON: "") == nil)
    }

    @Test func timestampsAreISO8601InUTC() {
        #expect(Date(timeIntervalSince1970: 0).iso8601 == "1970-01-01T00:00:00Z")
        #expect(Date(timeIntervalSince1970: 1_796_434_322.9).iso8601 == "2026-12-05T01:32:02Z")
        let now = Date()
        #expect(now.iso8601 == ISO8601DateFormatter().string(from: now))
    }
}
