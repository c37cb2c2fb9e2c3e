import HTTPTypes
import Kernel
import Testing

/// `value(of:)` answers what `headers[name]` answers, without copying a lone field.
@Suite("header values")
struct HTTPFieldsValueTests {
    @Test func answersAsTheSubscriptDoes() {
        let token = "Bearer " + String(repeating: "a", count: 1200) + ".b.c"
        let cases: [HTTPFields] = [
            [:],
            [.authorization: token],
            [.accept: "application/json", .authorization: token, .userAgent: "test"],
            HTTPFields([HTTPField(name: .authorization, value: "Bearer one"), HTTPField(name: .authorization, value: "Bearer two")]),
            HTTPFields([HTTPField(name: .cookie, value: "a=1"), HTTPField(name: .cookie, value: "b=2")]),
        ]
        for fields in cases {
            #expect(fields.value(of: .authorization) == fields[.authorization])
            #expect(fields.value(of: .cookie) == fields[.cookie])
        }
        #expect(cases[1].value(of: .authorization) == token)
        #expect(cases[3].value(of: .authorization) == "Bearer one, Bearer two")
        #expect(cases[4].value(of: .cookie) == "a=1; b=2")
        #expect(cases[0].value(of: .authorization) == nil)
    }
}
