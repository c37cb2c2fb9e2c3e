import CEL
import Foundation

/// The outcome of running policy test suites.
public struct PolicyTestReport: Sendable {
    public enum Result: String, Sendable, CaseIterable {
        case passed = "OK"
        case skipped = "SKIPPED"
        case failed = "FAILED"
        case errored = "ERROR"
    }

    /// One (principal, resource, action) of one test.
    public struct Case: Sendable {
        public var test: String
        public var principal: String
        public var resource: String
        public var action: String
        public var result: Result
        /// Why it failed or errored, line by line.
        public var details: [String]
    }

    public struct Suite: Sendable {
        public var file: String
        public var name: String
        /// A suite that cannot run at all (bad file, unknown fixture).
        public var error: String?
        public var cases: [Case]
    }

    public var suites: [Suite]

    public func count(_ result: Result) -> Int {
        suites.reduce(0) { $0 + $1.cases.filter { $0.result == result }.count + ($1.error != nil && result == .errored ? 1 : 0) }
    }

    /// True when nothing failed or errored.
    public var passed: Bool { count(.failed) == 0 && count(.errored) == 0 }

    /// A tree of suites, tests, principals, resources and actions; passed cases only with `verbose`.
    public func rendered(verbose: Bool = false) -> String {
        var lines = ["Test results"]
        for suite in suites {
            let counts = Result.allCases.compactMap { result -> String? in
                let n = suite.cases.filter { $0.result == result }.count
                return n > 0 ? "[\(n) \(result.rawValue)]" : nil
            }
            lines.append("  \(suite.name.isEmpty ? "(unnamed suite)" : suite.name) (\(suite.file)) \(counts.joined(separator: " "))")
            if let error = suite.error {
                lines.append("    ERROR: \(error)")
                continue
            }
            var lastTest = "", lastPrincipal = "", lastResource = ""
            for item in suite.cases where verbose || item.result == .failed || item.result == .errored {
                if item.test != lastTest { lines.append("    \(item.test)"); lastTest = item.test; lastPrincipal = ""; lastResource = "" }
                if item.principal.isEmpty {
                    for detail in item.details { lines.append("      ERROR: \(detail)") }
                    continue
                }
                if item.principal != lastPrincipal { lines.append("      \(item.principal)"); lastPrincipal = item.principal; lastResource = "" }
                if item.resource != lastResource { lines.append("        \(item.resource)"); lastResource = item.resource }
                lines.append("          \(item.action) [\(item.result.rawValue)]")
                for detail in item.details { lines.append("            \(detail)") }
            }
        }
        let total = suites.reduce(0) { $0 + $1.cases.count }
        let summary = Result.allCases.compactMap { result -> String? in
            let n = count(result)
            return n > 0 ? "[\(n) \(result.rawValue)]" : nil
        }
        lines.append("\(total) tests executed \(summary.joined(separator: " "))")
        return lines.joined(separator: "\n")
    }
}

/// Runs Cerbos-format test suites against a policy set.
public enum PolicyTestRunner {
    /// Suites under `directory` (files named `*_test.yaml|yml|json`, outside `testdata/` folders), sorted.
    public static func suiteFiles(in directory: String) -> [String] {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        return PolicyLoader.walk(root, relative: "").filter { PolicyLoader.isTestFile($0) }
    }

    /// Runs every suite under `directory` against `policies`. `testFilter` keeps tests whose name matches it
    /// (a glob: `*admin*`).
    public static func run(directory: String, policies: PolicySet, testFilter: String? = nil,
                           now: @Sendable () -> CELTimestamp = { CELTimestamp(Date()) }) -> PolicyTestReport {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        var fixtureCache: [String: PolicyTestFixtures] = [:]
        var suites: [PolicyTestReport.Suite] = []
        let filter = testFilter.map { Glob($0, literalUnlessStar: false) }
        for file in suiteFiles(in: directory) {
            let url = root.appendingPathComponent(file)
            let folder = url.deletingLastPathComponent()
            let fixtures = fixtureCache[folder.path] ?? PolicyTestFixtures.load(folder: folder)
            fixtureCache[folder.path] = fixtures
            suites.append(runSuite(file: file, url: url, fixtures: fixtures, policies: policies, filter: filter, now: now))
        }
        return PolicyTestReport(suites: suites)
    }

    static func runSuite(file: String, url: URL, fixtures: PolicyTestFixtures, policies: PolicySet, filter: Glob?,
                         now: () -> CELTimestamp) -> PolicyTestReport.Suite {
        func failed(_ message: String, name: String = "") -> PolicyTestReport.Suite {
            PolicyTestReport.Suite(file: file, name: name, error: message, cases: [])
        }
        if !fixtures.problems.isEmpty { return failed(fixtures.problems.joined(separator: "; ")) }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return failed("cannot read file") }
        let nodes: [DocumentNode]
        do { nodes = try DocumentNode.documents(text) } catch { return failed("\(error.line):\(error.column): \(error.message)") }
        guard nodes.count == 1, let node = nodes.first else {
            return failed(nodes.isEmpty ? "the file holds no test suite" : "a test suite file holds exactly one YAML document")
        }
        let (parsed, problems) = PolicyTestParsing.suite(node, file: file, fixtures: fixtures)
        guard let suite = parsed, problems.isEmpty else {
            return failed(problems.map(\.description).joined(separator: "; "), name: parsed?.name ?? "")
        }
        var cases: [PolicyTestReport.Case] = []
        for test in suite.tests where filter?.matches(test.name) ?? true {
            cases += run(test, in: suite, policies: policies, now: now)
        }
        return PolicyTestReport.Suite(file: file, name: suite.name, error: nil, cases: cases)
    }

    static func run(_ test: PolicyTestSuite.Test, in suite: PolicyTestSuite, policies: PolicySet, now: () -> CELTimestamp) -> [PolicyTestReport.Case] {
        if suite.skip || test.skip {
            return test.principals.flatMap { p in
                test.resources.flatMap { r in
                    test.actions.map { PolicyTestReport.Case(test: test.name, principal: p, resource: r, action: $0, result: .skipped, details: []) }
                }
            }
        }
        func error(_ message: String) -> [PolicyTestReport.Case] {
            [PolicyTestReport.Case(test: test.name, principal: "", resource: "", action: "", result: .errored, details: [message])]
        }
        var principals: [(key: String, principal: CheckPrincipal)] = []
        for key in test.principals {
            guard let principal = suite.principals[key] else { return error("principal \"\(key)\" not found") }
            principals.append((key, principal))
        }
        var resources: [(key: String, resource: CheckResource)] = []
        for key in test.resources {
            guard let resource = suite.resources[key] else { return error("resource \"\(key)\" not found") }
            resources.append((key, resource))
        }
        if let aux = test.auxData, suite.auxData[aux] == nil { return error("auxData \"\(aux)\" not found") }

        // Expected effects and outputs per (principal, resource).
        struct Pair: Hashable { var principal: String, resource: String }
        var effects: [Pair: [String: Effect]] = [:]
        var outputs: [Pair: [String: [(source: String, value: CELValue)]]] = [:]
        for expectation in test.expectations {
            let unknownActions = Set(expectation.actions.keys).union(expectation.outputs.keys).subtracting(test.actions)
            if !unknownActions.isEmpty {
                return error("found expectations for actions that do not exist in the input actions list: [\(unknownActions.sorted().joined(separator: ","))]")
            }
            for p in expectation.principals {
                for r in expectation.resources {
                    guard test.principals.contains(p), test.resources.contains(r) else {
                        return error("found an expectation for principal \"\(p)\" and resource \"\(r)\", but at least one of these is not present in input")
                    }
                    let pair = Pair(principal: p, resource: r)
                    for (action, effect) in expectation.actions {
                        if let previous = effects[pair]?[action], previous != effect {
                            return error("conflicting expectations for principal \"\(p)\", resource \"\(r)\", action \"\(action)\"")
                        }
                        effects[pair, default: [:]][action] = effect
                    }
                    for (action, expected) in expectation.outputs { outputs[pair, default: [:]][action, default: []] += expected }
                }
            }
        }

        let options = test.options ?? suite.options ?? PolicyTestSuite.Options()
        let clock = options.now ?? now()
        var cases: [PolicyTestReport.Case] = []
        for (principalKey, principal) in principals {
            for (resourceKey, resource) in resources {
                let pair = Pair(principal: principalKey, resource: resourceKey)
                let result = policies.check(principal: principal, resource: resource,
                                            actions: test.actions, auxData: test.auxData.flatMap { suite.auxData[$0] },
                                            options: options.check, now: clock)
                if result.readClock && options.now == nil {
                    return error("a policy used a time-based condition, but `now` was not provided in the test options")
                }
                for decision in result.actions {
                    let expected = effects[pair]?[decision.action] ?? .deny
                    var details: [String] = []
                    if decision.effect != expected {
                        details.append("OUTCOME: expected: \(expected.rawValue), actual: \(decision.effect.rawValue)")
                    }
                    for (source, value) in outputs[pair]?[decision.action] ?? [] {
                        let produced = result.outputs.filter { $0.source == source && $0.action == decision.action }
                        if produced.isEmpty {
                            details.append("OUTPUT \(source): expected \(PolicyJSON.text(value)), actual: MISSING")
                        } else if let failure = produced.first(where: { $0.error != nil }), produced.allSatisfy({ $0.value.map { !PolicyJSON.equal($0, value) } ?? true }) {
                            details.append("OUTPUT \(source): expected \(PolicyJSON.text(value)), ERROR: \(failure.error ?? "")")
                        } else if !produced.contains(where: { $0.value.map { PolicyJSON.equal($0, value) } ?? false }) {
                            let actual = produced.compactMap(\.value).map(PolicyJSON.text).joined(separator: ", ")
                            details.append("OUTPUT \(source): expected \(PolicyJSON.text(value)), actual: \(actual)")
                        }
                    }
                    cases.append(PolicyTestReport.Case(test: test.name, principal: principalKey, resource: resourceKey, action: decision.action,
                                                       result: details.isEmpty ? .passed : .failed, details: details))
                }
            }
        }
        return cases
    }
}
