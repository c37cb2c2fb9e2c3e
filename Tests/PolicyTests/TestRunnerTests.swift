import CEL
import Foundation
import Testing

@testable import Policy

/// Cerbos-format test suites run through `PolicyTestRunner` (cerbos-digest §4).
@Suite struct TestRunnerTests {
    static let album = """
        apiVersion: api.cerbos.dev/v1
        resourcePolicy:
          resource: "album:object"
          version: default
          rules:
            - name: view-rule
              actions: [view]
              effect: EFFECT_ALLOW
              roles: [user]
              condition:
                match:
                  expr: R.attr.public == true || R.attr.owner == P.id
              output:
                when:
                  ruleActivated: '{"owner": R.attr.owner}'
            - actions: [delete]
              effect: EFFECT_ALLOW
              roles: [user]
              condition:
                match:
                  expr: R.attr.owner == P.id
            - actions: [archive]
              effect: EFFECT_ALLOW
              roles: [user]
              condition:
                match:
                  expr: now() - duration("24h") > timestamp(R.attr.created)
            - actions: [tag]
              effect: EFFECT_ALLOW
              roles: [user]
              condition:
                match:
                  expr: G.tagging == true && request.auxData.jwt.iss == "idp"
        """

    static let principals = """
        principals:
          alicia: {id: aliciaID, roles: [user]}
          bradley: {id: bradleyID, roles: [user]}
        principalGroups:
          everyone: {principals: [alicia, bradley]}
        """

    static let resources = """
        resources:
          alicia_album: {id: XX125, kind: "album:object", attr: {owner: aliciaID, public: false}}
          bradley_album: {id: XX250, kind: "album:object", attr: {owner: bradleyID, public: true}}
        resourceGroups:
          all_albums: {resources: [alicia_album, bradley_album]}
        """

    static let passingSuite = """
        name: AlbumObjectTestSuite
        description: Tests for album:object
        tests:
          - name: Viewing and deleting albums
            input:
              principalGroups: [everyone]
              resourceGroups: [all_albums]
              actions: [view, delete]
            expected:
              - principal: alicia
                resource: alicia_album
                actions: {view: EFFECT_ALLOW, delete: EFFECT_ALLOW}
                outputs:
                  - action: view
                    expected:
                      - src: resource.album_object.vdefault#view-rule
                        val: {owner: aliciaID}
              - principals: [alicia, bradley]
                resource: bradley_album
                actions: {view: EFFECT_ALLOW}
              - principal: bradley
                resource: bradley_album
                actions: {delete: EFFECT_ALLOW}
          - name: Archiving old albums
            options:
              now: "2024-05-02T12:00:00Z"
            input:
              principals: [alicia]
              resources: [old_album]
              actions: [archive]
            expected:
              - principal: alicia
                resource: old_album
                actions: {archive: EFFECT_ALLOW}
          - name: Tagging with a token
            options:
              globals: {tagging: true}
            input:
              principals: [alicia]
              resources: [alicia_album]
              actions: [tag]
              auxData: token
            expected:
              - principal: alicia
                resource: alicia_album
                actions: {tag: EFFECT_ALLOW}
        resources:
          old_album: {id: OLD, kind: "album:object", attr: {owner: aliciaID, created: "2024-05-01T00:00:00Z"}}
        auxData:
          token: {jwt: {iss: idp}}
        """

    /// The album policy, fixtures in `tests/testdata/` and the given suites in `tests/`.
    static func directory(_ suites: [String: String]) -> PolicyDirectory {
        let directory = PolicyDirectory([
            "album.yaml": album,
            "tests/testdata/principals.yaml": principals,
            "tests/testdata/resources.yaml": resources,
        ])
        for (name, text) in suites { directory.write("tests/\(name)", text) }
        return directory
    }

    static func run(_ directory: PolicyDirectory, filter: String? = nil) -> PolicyTestReport {
        PolicyTestRunner.run(directory: directory.path, policies: directory.load(), testFilter: filter, now: { testNow })
    }

    @Test func passingSuiteReportsEveryCaseAsPassed() {
        let directory = Self.directory(["album_test.yaml": Self.passingSuite])
        let report = Self.run(directory)
        #expect(report.passed)
        #expect(report.suites.count == 1)
        #expect(report.suites.first?.file == "tests/album_test.yaml")
        #expect(report.suites.first?.name == "AlbumObjectTestSuite")
        #expect(report.suites.first?.error == nil)
        // 2 principals × 2 resources × 2 actions, then 1 + 1.
        #expect(report.count(.passed) == 10)
        #expect(report.count(.failed) == 0)
        #expect(report.rendered().hasSuffix("10 tests executed [10 OK]"))
    }

    @Test func failingExpectationIsReported() {
        let suite = """
            name: Failing
            tests:
              - name: Bradley may delete Alicia's album
                input:
                  principals: [bradley]
                  resources: [alicia_album]
                  actions: [delete, view]
                expected:
                  - principal: bradley
                    resource: alicia_album
                    actions: {delete: EFFECT_ALLOW}
            """
        let report = Self.run(Self.directory(["failing_test.yaml": suite]))
        #expect(!report.passed)
        #expect(report.count(.failed) == 1)
        #expect(report.count(.passed) == 1)
        let failure = report.suites.first?.cases.first { $0.result == .failed }
        #expect(failure?.test == "Bradley may delete Alicia's album")
        #expect(failure?.principal == "bradley")
        #expect(failure?.resource == "alicia_album")
        #expect(failure?.action == "delete")
        #expect(failure?.details == ["OUTCOME: expected: EFFECT_ALLOW, actual: EFFECT_DENY"])
        let rendered = report.rendered()
        #expect(rendered.contains("delete [FAILED]"))
        #expect(rendered.contains("OUTCOME: expected: EFFECT_ALLOW, actual: EFFECT_DENY"))
        #expect(!rendered.contains("view [OK]"))
        #expect(report.rendered(verbose: true).contains("view [OK]"))
        #expect(rendered.hasSuffix("2 tests executed [1 OK] [1 FAILED]"))
    }

    @Test func unmetOutputExpectationFails() {
        let suite = """
            name: Outputs
            tests:
              - name: Wrong owner output
                input:
                  principals: [alicia]
                  resources: [alicia_album]
                  actions: [view, delete]
                expected:
                  - principal: alicia
                    resource: alicia_album
                    actions: {view: EFFECT_ALLOW, delete: EFFECT_ALLOW}
                    outputs:
                      - action: view
                        expected:
                          - src: resource.album_object.vdefault#view-rule
                            val: {owner: somebodyElse}
                      - action: delete
                        expected:
                          - src: resource.album_object.vdefault#rule-002
                            val: deleted
            """
        let report = Self.run(Self.directory(["outputs_test.yaml": suite]))
        #expect(!report.passed)
        let cases = report.suites.first?.cases ?? []
        #expect(cases.count == 2)
        #expect(cases.allSatisfy { $0.result == .failed })
        #expect(cases.first { $0.action == "view" }?.details.first?.contains(#"actual: {"owner":"aliciaID"}"#) == true)
        #expect(cases.first { $0.action == "delete" }?.details.first?.contains("MISSING") == true)
    }

    @Test func timeBasedConditionWithoutNowIsAnError() {
        let suite = """
            name: Clock
            tests:
              - name: Archiving without a clock
                input:
                  principals: [alicia]
                  resources: [alicia_album]
                  actions: [archive]
                expected:
                  - principal: alicia
                    resource: alicia_album
                    actions: {archive: EFFECT_DENY}
            """
        let report = Self.run(Self.directory(["clock_test.yaml": suite]))
        #expect(!report.passed)
        #expect(report.count(.errored) == 1)
        let error = report.suites.first?.cases.first { $0.result == .errored }
        #expect(error?.details.first?.contains("`now` was not provided") == true)
    }

    @Test func invalidTestsAreErrors() {
        let suite = """
            name: Broken
            tests:
              - name: Unknown principal
                input:
                  principals: [zed]
                  resources: [alicia_album]
                  actions: [view]
                expected:
                  - principal: zed
                    resource: alicia_album
                    actions: {view: EFFECT_ALLOW}
              - name: Expectation outside the input
                input:
                  principals: [alicia]
                  resources: [alicia_album]
                  actions: [view]
                expected:
                  - principal: bradley
                    resource: alicia_album
                    actions: {view: EFFECT_ALLOW}
              - name: Unknown action
                input:
                  principals: [alicia]
                  resources: [alicia_album]
                  actions: [view]
                expected:
                  - principal: alicia
                    resource: alicia_album
                    actions: {view: EFFECT_ALLOW, fly: EFFECT_DENY}
            """
        let report = Self.run(Self.directory(["broken_test.yaml": suite]))
        #expect(!report.passed)
        let details = (report.suites.first?.cases ?? []).filter { $0.result == .errored }.flatMap(\.details)
        #expect(details.count == 3)
        #expect(details.contains(#"principal "zed" not found"#))
        #expect(details.contains { $0.hasPrefix(#"found an expectation for principal "bradley" and resource "alicia_album""#) })
        #expect(details.contains("found expectations for actions that do not exist in the input actions list: [fly]"))
    }

    @Test func malformedSuiteIsASuiteError() {
        let report = Self.run(Self.directory(["bad_test.yaml": "name: Bad\ntests:\n  - name: x\n    inptu: {}\n"]))
        #expect(!report.passed)
        #expect(report.suites.first?.error?.contains("unknown field \"inptu\"") == true)
        #expect(report.count(.errored) == 1)
    }

    @Test func duplicateTestNamesMakeTheSuiteFail() {
        let test = """
              - name: Same
                input: {principals: [alicia], resources: [alicia_album], actions: [view]}
                expected: [{principal: alicia, resource: alicia_album, actions: {view: EFFECT_ALLOW}}]
            """
        let report = Self.run(Self.directory(["dup_test.yaml": "name: Dup\ntests:\n" + test + "\n" + test]))
        #expect(!report.passed)
        #expect(report.suites.first?.error?.contains("another test named Same already exists") == true)
    }

    @Test func suiteFixturesShadowSharedOnesAndTestOptionsReplaceSuiteOptions() {
        let suite = """
            name: Shadowing
            options:
              globals: {tagging: true}
            principals:
              alicia: {id: someoneElse, roles: [user]}
            auxData:
              token: {jwt: {iss: idp}}
            tests:
              - name: Shadowed principal
                input: {principals: [alicia], resources: [alicia_album], actions: [view, tag], auxData: token}
                expected: [{principal: alicia, resource: alicia_album, actions: {view: EFFECT_DENY, tag: EFFECT_ALLOW}}]
              - name: Own options
                options:
                  now: "2024-05-02T12:00:00Z"
                input: {principals: [bradley], resources: [bradley_album], actions: [tag], auxData: token}
                expected: [{principal: bradley, resource: bradley_album, actions: {tag: EFFECT_DENY}}]
            """
        let report = Self.run(Self.directory(["shadow_test.yaml": suite]))
        // alicia is someone else here, so she may not view her album; tagging needs the suite's globals,
        // which the second test's own options drop.
        #expect(report.passed, "\(report.rendered())")
        #expect(report.count(.passed) == 3)
    }

    @Test func skippedTestsAreCountedButDoNotFail() {
        let suite = """
            name: Skipping
            tests:
              - name: Not ready
                skip: true
                skipReason: later
                input:
                  principals: [alicia]
                  resources: [alicia_album]
                  actions: [view, delete]
                expected:
                  - principal: alicia
                    resource: alicia_album
                    actions: {view: EFFECT_DENY}
            """
        let report = Self.run(Self.directory(["skip_test.yaml": suite]))
        #expect(report.passed)
        #expect(report.count(.skipped) == 2)
        #expect(report.count(.passed) == 0)
    }

    @Test func filterKeepsMatchingTests() {
        let report = Self.run(Self.directory(["album_test.yaml": Self.passingSuite]), filter: "*Archiving*")
        #expect(report.passed)
        #expect(report.count(.passed) == 1)
        #expect(report.suites.first?.cases.map(\.test) == ["Archiving old albums"])
    }

    @Test func suitesAreFoundOutsideTestdataAndSorted() {
        let directory = Self.directory(["b_test.yaml": Self.passingSuite, "a_test.yml": Self.passingSuite])
        directory.write("tests/testdata/ignored_test.yaml", "not: a suite")
        #expect(PolicyTestRunner.suiteFiles(in: directory.path) == ["tests/a_test.yml", "tests/b_test.yaml"])
    }

    /// The policies Lintel ships, with their own suites: every case must pass.
    @Test func shippedPoliciesPassTheirTestSuites() throws {
        let root = RepositoryRoot.path + "/policies"
        let policies = try PolicyLoader.load(directory: root)
        let report = PolicyTestRunner.run(directory: root, policies: policies, now: { testNow })
        #expect(report.suites.count >= 10)
        #expect(report.count(.passed) > 1000)
        #expect(report.passed, "\(report.rendered())")
    }
}
