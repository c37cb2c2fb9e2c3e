import Foundation
@testable import Kernel
@testable import LintelTesting
import Policy
import Testing

/// The embedded engine remembers a decision only while it cannot change: same policy set, same principal,
/// same resource, same actions, and no condition that read the clock.
@Suite("remembered decisions")
struct DecisionMemoTests {
    static let policy = """
        apiVersion: api.cerbos.dev/v1
        resourcePolicy:
          resource: document
          version: default
          rules:
            - actions: ["read"]
              effect: EFFECT_ALLOW
              roles: ["user"]
              condition:
                match:
                  expr: R.attr.owner == P.id
            - actions: ["review"]
              effect: EFFECT_ALLOW
              roles: ["user"]
              condition:
                match:
                  expr: now() < timestamp(R.attr.until)
            - actions: ["label"]
              effect: EFFECT_ALLOW
              roles: ["user"]
              condition:
                match:
                  expr: R.attr.label == "caf\u{e9}"
        """

    static func withAuthorizer(_ body: @escaping @Sendable (EmbeddedAuthorizer, TemporaryDirectory) async throws -> Void) async throws {
        let directory = TemporaryDirectory()
        directory.write("document.yaml", policy)
        try await TestSite.withKernel("authorization {\n    policies \"\(directory.path)\"\n    watch 0s\n}\n") { kernel, _ in
            let authorizer = try #require(kernel.authorization.authorizer as? EmbeddedAuthorizer)
            try await body(authorizer, directory)
        }
    }

    static func principal(_ id: String, org: String = "") -> PolicyPrincipal {
        PolicyPrincipalCache.shared.principal(for: Principal(id: id, roles: [], attributes: ["org_id": .string(org)], authenticator: "test"))
    }

    static func document(owner: String, until: Date = .distantFuture) -> ResourceRef {
        ResourceRef(kind: "document", id: "d1", attributes: ["owner": .string(owner), "until": .string(ISO8601DateFormatter().string(from: until))])
    }

    @Test func aDecisionIsRememberedPerPrincipalAndResource() async throws {
        try await Self.withAuthorizer { authorizer, _ in
            let alice = Self.principal("alice")
            #expect(await authorizer.decide(alice, actions: ["read"], on: Self.document(owner: "alice")).map(\.allowed) == [true])
            #expect(await authorizer.decide(alice, actions: ["read"], on: Self.document(owner: "alice")).map(\.allowed) == [true])
            #expect(authorizer.memo.count == 1)
            // Another principal, another resource, another org: other keys, their own answers.
            #expect(await authorizer.decide(Self.principal("bob"), actions: ["read"], on: Self.document(owner: "alice")).map(\.allowed) == [false])
            #expect(await authorizer.decide(alice, actions: ["read"], on: Self.document(owner: "bob")).map(\.allowed) == [false])
            #expect(await authorizer.decide(Self.principal("alice", org: "acme"), actions: ["read"], on: Self.document(owner: "alice")).map(\.allowed) == [true])
            #expect(authorizer.memo.count == 4)
            // A principal made on the spot (not from the cache) is decided afresh and not remembered.
            let adHoc = PolicyPrincipal(id: "alice", roles: ["user"], attributes: PolicyPrincipal.attributeDefaults)
            #expect(await authorizer.decide(adHoc, actions: ["read"], on: Self.document(owner: "alice")).map(\.allowed) == [true])
            #expect(authorizer.memo.count == 4)
        }
    }

    @Test func aConditionThatReadsTheClockIsDecidedEveryTime() async throws {
        try await Self.withAuthorizer { authorizer, _ in
            let alice = Self.principal("alice")
            let past = Self.document(owner: "alice", until: Date(timeIntervalSinceNow: -60))
            let future = Self.document(owner: "alice", until: Date(timeIntervalSinceNow: 3600))
            #expect(await authorizer.decide(alice, actions: ["review"], on: future).map(\.allowed) == [true])
            #expect(await authorizer.decide(alice, actions: ["review"], on: past).map(\.allowed) == [false])
            #expect(authorizer.memo.count == 0)
        }
    }

    @Test func textThatSwiftCallsEqualButWhoseBytesDifferIsDecidedAfresh() async throws {
        try await Self.withAuthorizer { authorizer, _ in
            let alice = Self.principal("alice")
            func labelled(_ label: String) -> ResourceRef {
                ResourceRef(kind: "document", id: "d1", attributes: ["owner": "alice", "label": .string(label)])
            }
            // "é" as one code point, then as "e" and a combining accent: equal for Swift, not for CEL.
            #expect("caf\u{e9}" == "cafe\u{301}")
            #expect(await authorizer.decide(alice, actions: ["label"], on: labelled("caf\u{e9}")).map(\.allowed) == [true])
            #expect(await authorizer.decide(alice, actions: ["label"], on: labelled("cafe\u{301}")).map(\.allowed) == [false])
            #expect(authorizer.memo.count == 0, "non-ASCII text is never part of a key")
            // The same for a principal: the Kelvin sign equals "K" for Swift; each keeps its own view.
            let kelvin = Principal(id: "k", roles: [], attributes: ["unit": "\u{212A}"], authenticator: "test")
            let letter = Principal(id: "k", roles: [], attributes: ["unit": "K"], authenticator: "test")
            #expect(kelvin == letter)
            #expect(PolicyPrincipalCache.shared.principal(for: letter).attributes["unit"] == "K")
            #expect(PolicyPrincipalCache.shared.principal(for: kelvin).attributes["unit"]?.stringValue?.unicodeScalars.first?.value == 0x212A)
            #expect(PolicyPrincipalCache.shared.principal(for: kelvin).sharedAttributes == nil)
        }
    }

    @Test func aReplacedPolicySetForgetsWhatTheOldOneDecided() async throws {
        try await Self.withAuthorizer { authorizer, directory in
            let alice = Self.principal("alice")
            let bobs = Self.document(owner: "bob")
            #expect(await authorizer.decide(alice, actions: ["read"], on: bobs).map(\.allowed) == [false])
            directory.write("document.yaml", Self.policy.replacingOccurrences(of: "R.attr.owner == P.id", with: "true"))
            authorizer.engine.replace(try PolicyLoader.load(directory: directory.path))
            #expect(await authorizer.decide(alice, actions: ["read"], on: bobs).map(\.allowed) == [true])
        }
    }
}
