import CEL
import Foundation

/// A Cerbos test suite (`*_test.yaml`): fixtures, and tests with the effects and outputs they expect.
struct PolicyTestSuite {
    struct Expectation {
        var principals: [String]
        var resources: [String]
        var actions: [String: Effect]
        /// action → expected outputs (source → value).
        var outputs: [String: [(source: String, value: CELValue)]]
    }

    struct Test {
        var name: String
        var skip: Bool
        var skipReason: String
        var options: Options?
        var principals: [String]
        var resources: [String]
        var actions: [String]
        var auxData: String?
        var expectations: [Expectation]
    }

    struct Options {
        var now: CELTimestamp?
        var check = CheckOptions()
    }

    var file: String
    var name: String
    var skip: Bool
    var skipReason: String
    var options: Options?
    var principals: [String: CheckPrincipal]
    var principalGroups: [String: [String]]
    var resources: [String: CheckResource]
    var resourceGroups: [String: [String]]
    var auxData: [String: CELMap]
    var tests: [Test]
}

/// Fixtures shared by the suites of a folder (`testdata/principals.yaml`, `resources.yaml`, `auxdata.yaml`).
struct PolicyTestFixtures {
    var principals: [String: CheckPrincipal] = [:]
    var principalGroups: [String: [String]] = [:]
    var resources: [String: CheckResource] = [:]
    var resourceGroups: [String: [String]] = [:]
    var auxData: [String: CELMap] = [:]
    var problems: [String] = []

    static func load(folder: URL) -> PolicyTestFixtures {
        var fixtures = PolicyTestFixtures()
        let testdata = folder.appendingPathComponent("testdata")
        func read(_ names: [String]) -> (DocumentNode, String)? {
            for name in names {
                for ext in ["yaml", "yml", "json"] {
                    let url = testdata.appendingPathComponent("\(name).\(ext)")
                    guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
                    do {
                        guard let node = try DocumentNode.documents(text).first else { return nil }
                        return (node, "testdata/\(name).\(ext)")
                    } catch {
                        fixtures.problems.append("testdata/\(name).\(ext):\(error.line):\(error.column): \(error.message)")
                        return nil
                    }
                }
            }
            return nil
        }
        if let (node, file) = read(["principals"]) {
            let reader = DocumentReader(file: file)
            if let f = reader.object(node, "$", allowed: ["principals", "principalGroups"]) {
                fixtures.principals = PolicyTestParsing.principals(f, reader)
                fixtures.principalGroups = PolicyTestParsing.groups(f, "principalGroups", member: "principals", reader)
            }
            fixtures.problems += reader.problems.map(\.description)
        }
        if let (node, file) = read(["resources"]) {
            let reader = DocumentReader(file: file)
            if let f = reader.object(node, "$", allowed: ["resources", "resourceGroups"]) {
                fixtures.resources = PolicyTestParsing.resources(f, reader)
                fixtures.resourceGroups = PolicyTestParsing.groups(f, "resourceGroups", member: "resources", reader)
            }
            fixtures.problems += reader.problems.map(\.description)
        }
        if let (node, file) = read(["auxdata", "auxData", "aux_data"]) {
            let reader = DocumentReader(file: file)
            if let f = reader.object(node, "$", allowed: ["auxData"]) { fixtures.auxData = PolicyTestParsing.auxData(f, reader) }
            fixtures.problems += reader.problems.map(\.description)
        }
        return fixtures
    }
}

/// Decoding of suites and fixtures.
enum PolicyTestParsing {
    static func suite(_ node: DocumentNode, file: String, fixtures: PolicyTestFixtures) -> (PolicyTestSuite?, [PolicyProblem]) {
        let reader = DocumentReader(file: file)
        guard let f = reader.object(node, "$", allowed: ["name", "description", "skip", "skipReason", "options", "principals",
                                                         "principalGroups", "resources", "resourceGroups", "auxData", "tests"]) else {
            return (nil, reader.problems)
        }
        let name = f.string("name", required: true)?.value ?? ""
        var principals = fixtures.principals
        for (key, value) in Self.principals(f, reader) { principals[key] = value }
        var principalGroups = fixtures.principalGroups
        for (key, value) in groups(f, "principalGroups", member: "principals", reader) { principalGroups[key] = value }
        var resources = fixtures.resources
        for (key, value) in Self.resources(f, reader) { resources[key] = value }
        var resourceGroups = fixtures.resourceGroups
        for (key, value) in groups(f, "resourceGroups", member: "resources", reader) { resourceGroups[key] = value }
        var aux = fixtures.auxData
        for (key, value) in auxData(f, reader) { aux[key] = value }

        var tests: [PolicyTestSuite.Test] = []
        let items = f.list("tests")
        if items.isEmpty { reader.problem(at: f.position, "a test suite needs at least one test") }
        for (item, path) in items {
            guard let t = reader.object(item, path, allowed: ["name", "description", "skip", "skipReason", "options", "input", "expected"]) else { continue }
            guard let testName = t.string("name", required: true) else { continue }
            if tests.contains(where: { $0.name == testName.value }) {
                reader.problem(at: testName.position, "another test named \(testName.value) already exists")
            }
            guard let (inputNode, inputPath) = t["input"] else { t.missing("input"); continue }
            guard let input = reader.object(inputNode, inputPath, allowed: ["principals", "principalGroups", "resources", "resourceGroups",
                                                                             "actions", "auxData"]) else { continue }
            let testPrincipals = input.strings("principals").map(\.value) + expand(input.strings("principalGroups"), principalGroups, "principal group", reader)
            let testResources = input.strings("resources").map(\.value) + expand(input.strings("resourceGroups"), resourceGroups, "resource group", reader)
            if testPrincipals.isEmpty { reader.problem(at: input.position, "a test input needs principals or principalGroups") }
            if testResources.isEmpty { reader.problem(at: input.position, "a test input needs resources or resourceGroups") }
            let actions = input.strings("actions", required: true)
            var seenActions: Set<String> = []
            for action in actions where !seenActions.insert(action.value).inserted {
                reader.problem(at: action.position, "action \"\(action.value)\" is listed twice")
            }
            var expectations: [PolicyTestSuite.Expectation] = []
            let expectedItems = t.list("expected")
            if expectedItems.isEmpty { reader.problem(at: t.position, "a test needs at least one expectation") }
            for (expectedNode, expectedPath) in expectedItems {
                guard let e = reader.object(expectedNode, expectedPath, allowed: ["principal", "principals", "principalGroups", "resource", "resources",
                                                                                  "resourceGroups", "actions", "outputs"]) else { continue }
                if e.has("principal") && e.has("principals") { reader.problem(at: e.position, "an expectation has principal or principals, not both") }
                if e.has("resource") && e.has("resources") { reader.problem(at: e.position, "an expectation has resource or resources, not both") }
                let ps = (e.string("principal").map { [$0.value] } ?? []) + e.strings("principals").map(\.value)
                    + expand(e.strings("principalGroups"), principalGroups, "principal group", reader)
                let rs = (e.string("resource").map { [$0.value] } ?? []) + e.strings("resources").map(\.value)
                    + expand(e.strings("resourceGroups"), resourceGroups, "resource group", reader)
                if ps.isEmpty || rs.isEmpty { reader.problem(at: e.position, "an expectation names a principal and a resource") }
                var effects: [String: Effect] = [:]
                if let (actionsNode, actionsPath) = e["actions"] {
                    for (action, valueNode, valuePath) in reader.map(actionsNode, actionsPath) ?? [] {
                        switch reader.string(valueNode, valuePath) {
                        case "EFFECT_ALLOW": effects[action] = .allow
                        case "EFFECT_DENY": effects[action] = .deny
                        case let other?: reader.problem(valueNode, valuePath, "expected EFFECT_ALLOW or EFFECT_DENY, found \"\(other)\"")
                        case nil: break
                        }
                    }
                }
                var outputs: [String: [(String, CELValue)]] = [:]
                for (outputNode, outputPath) in e.list("outputs") {
                    guard let o = reader.object(outputNode, outputPath, allowed: ["action", "expected"]),
                          let action = o.string("action", required: true) else { continue }
                    for (entryNode, entryPath) in o.list("expected") {
                        guard let entry = reader.object(entryNode, entryPath, allowed: ["src", "val"]),
                              let src = entry.string("src", required: true) else { continue }
                        let value = entry.values["val"]?.0.celValue ?? .null
                        outputs[action.value, default: []].append((src.value, value))
                    }
                }
                expectations.append(PolicyTestSuite.Expectation(principals: ps, resources: rs, actions: effects, outputs: outputs))
            }
            tests.append(PolicyTestSuite.Test(
                name: testName.value, skip: t.bool("skip"), skipReason: t.string("skipReason")?.value ?? "",
                options: t["options"].flatMap { options($0.node, $0.path, reader) },
                principals: testPrincipals, resources: testResources, actions: actions.map(\.value),
                auxData: input.string("auxData")?.value, expectations: expectations))
        }
        let suite = PolicyTestSuite(
            file: file, name: name, skip: f.bool("skip"), skipReason: f.string("skipReason")?.value ?? "",
            options: f["options"].flatMap { options($0.node, $0.path, reader) },
            principals: principals, principalGroups: principalGroups, resources: resources, resourceGroups: resourceGroups,
            auxData: aux, tests: tests)
        return (suite, reader.problems)
    }

    static func expand(_ names: [Located<String>], _ groups: [String: [String]], _ what: String, _ reader: DocumentReader) -> [String] {
        var result: [String] = []
        for name in names {
            guard let members = groups[name.value] else {
                reader.problem(at: name.position, "\(what) \"\(name.value)\" not found")
                continue
            }
            result += members
        }
        return result
    }

    static func options(_ node: DocumentNode, _ path: String, _ reader: DocumentReader) -> PolicyTestSuite.Options? {
        guard let o = reader.object(node, path, allowed: ["now", "defaultPolicyVersion", "defaultScope", "lenientScopeSearch",
                                                          "strictEvaluation", "globals"]) else { return nil }
        var options = PolicyTestSuite.Options()
        if let now = o.string("now") {
            if let t = CELTimestamp.parse(now.value) { options.now = t }
            else { reader.problem(at: now.position, "now must be an RFC 3339 timestamp, found \"\(now.value)\"") }
        }
        if let version = o.string("defaultPolicyVersion"), !version.value.isEmpty { options.check.defaultPolicyVersion = version.value }
        if let scope = o.string("defaultScope") { options.check.defaultScope = scope.value }
        options.check.lenientScopeSearch = o.bool("lenientScopeSearch")
        options.check.strictEvaluation = o.bool("strictEvaluation")
        if let (globalsNode, _) = o["globals"], case .map(let map) = globalsNode.celValue { options.check.globals = map }
        return options
    }

    static func principals(_ f: Fields, _ reader: DocumentReader) -> [String: CheckPrincipal] {
        var result: [String: CheckPrincipal] = [:]
        for (key, node, path) in f.map("principals") {
            guard let p = reader.object(node, path, allowed: ["id", "roles", "attr", "policyVersion", "scope"]),
                  let id = p.string("id", required: true) else { continue }
            let roles = p.strings("roles", required: true).map(\.value)
            result[key] = CheckPrincipal(id: id.value, roles: roles, attributes: attributes(p, reader),
                                         policyVersion: p.string("policyVersion")?.value ?? "", scope: p.string("scope")?.value ?? "")
        }
        return result
    }

    static func resources(_ f: Fields, _ reader: DocumentReader) -> [String: CheckResource] {
        var result: [String: CheckResource] = [:]
        for (key, node, path) in f.map("resources") {
            guard let r = reader.object(node, path, allowed: ["kind", "id", "attr", "policyVersion", "scope"]),
                  let kind = r.string("kind", required: true), let id = r.string("id", required: true) else { continue }
            result[key] = CheckResource(kind: kind.value, id: id.value, attributes: attributes(r, reader),
                                        policyVersion: r.string("policyVersion")?.value ?? "", scope: r.string("scope")?.value ?? "")
        }
        return result
    }

    static func attributes(_ f: Fields, _ reader: DocumentReader) -> CELMap {
        guard let (node, path) = f["attr"] else { return CELMap() }
        guard case .map(let map) = node.celValue else {
            reader.problem(node, path, "attr must be a map")
            return CELMap()
        }
        return map
    }

    static func groups(_ f: Fields, _ name: String, member: String, _ reader: DocumentReader) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (key, node, path) in f.map(name) {
            guard let g = reader.object(node, path, allowed: [member]) else { continue }
            result[key] = g.strings(member, required: true).map(\.value)
        }
        return result
    }

    static func auxData(_ f: Fields, _ reader: DocumentReader) -> [String: CELMap] {
        var result: [String: CELMap] = [:]
        for (key, node, path) in f.map("auxData") {
            guard let a = reader.object(node, path, allowed: ["jwt"]) else { continue }
            if let (jwtNode, _) = a["jwt"], case .map(let claims) = jwtNode.celValue { result[key] = claims } else { result[key] = CELMap() }
        }
        return result
    }
}
