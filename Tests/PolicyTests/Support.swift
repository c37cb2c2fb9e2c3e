import CEL
import Foundation
import Testing

@testable import Policy

/// A policy directory written for one test, removed when the value is released.
final class PolicyDirectory: @unchecked Sendable {
    let path: String

    init(_ files: [String: String] = [:]) {
        path = NSTemporaryDirectory() + "lintel-policy-tests/" + UUID().uuidString.lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files { write(name, text) }
    }

    /// Writes `text` to `name` (a relative path; folders are created).
    func write(_ name: String, _ text: String) {
        let file = path + "/" + name
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: file, contents: Data(text.utf8))
    }

    /// Loads the directory, recording a test issue (and returning an empty set) if it does not compile.
    func load(sourceLocation: SourceLocation = #_sourceLocation) -> PolicySet {
        do {
            return try PolicyLoader.load(directory: path)
        } catch {
            Issue.record("policies do not load: \(error)", sourceLocation: sourceLocation)
            return .empty
        }
    }

    /// The problems loading the directory reports; records an issue if it loads.
    func problems(sourceLocation: SourceLocation = #_sourceLocation) -> [PolicyProblem] {
        do {
            _ = try PolicyLoader.load(directory: path)
            Issue.record("expected the policies not to load", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.problems
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Where the repository is, for its own `policies/` directory.
enum RepositoryRoot {
    static let path: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.path
    }()
}

/// Compiles policies given as `file name → text`, recording an issue if they do not compile.
func compilePolicies(_ files: [String: String], sourceLocation: SourceLocation = #_sourceLocation) -> PolicySet {
    do {
        return try PolicyLoader.compile(files.sorted { $0.key < $1.key }.map { PolicyLoader.Source(path: $0.key, text: $0.value) })
    } catch {
        Issue.record("policies do not compile: \(error)", sourceLocation: sourceLocation)
        return .empty
    }
}

/// The problems compiling `files` reports; records an issue if they compile.
func compileProblems(_ files: [String: String], sourceLocation: SourceLocation = #_sourceLocation) -> [PolicyProblem] {
    do {
        _ = try PolicyLoader.compile(files.sorted { $0.key < $1.key }.map { PolicyLoader.Source(path: $0.key, text: $0.value) })
        Issue.record("expected the policies not to compile", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.problems
    }
}

/// Attribute values written as YAML or JSON (`{owner: alice, amount: 15000}`): numbers become doubles, as
/// they do when a request's JSON is decoded.
func attributes(_ text: String) -> CELMap {
    guard let node = try? DocumentNode.documents(text).first, case .map(let map) = node.celValue else { return CELMap() }
    return map
}

/// The clock every check in these tests runs at.
let testNow = CELTimestamp.parse("2024-05-01T12:00:00Z")!

extension PolicySet {
    /// A check with the test clock and, unless given, default options.
    func check(_ principal: CheckPrincipal, _ resource: CheckResource, _ actions: [String],
               options: CheckOptions = CheckOptions(), auxData: CELMap? = nil) -> CheckResult {
        check(principal: principal, resource: resource, actions: actions, auxData: auxData, options: options, now: testNow)
    }
}

extension CheckResult {
    /// The decision for `action` (a denial with an empty policy if it was not asked).
    func decision(_ action: String) -> ActionDecision {
        actions.first { $0.action == action } ?? ActionDecision(action: action, effect: .deny, policy: "", scope: "")
    }

    /// Effects by action, for compact assertions.
    var effects: [String: Effect] { Dictionary(uniqueKeysWithValues: actions.map { ($0.action, $0.effect) }) }

    /// `src → JSON value` of the outputs for `action`, sorted by source (Cerbos does not order outputs).
    func outputTexts(_ action: String) -> [String] {
        outputs.filter { $0.action == action }
            .map { "\($0.source)=\($0.value.map(PolicyJSON.text) ?? "ERROR: \($0.error ?? "")")" }
            .sorted()
    }
}

func principal(_ id: String, _ roles: [String], attr: String = "{}", version: String = "", scope: String = "") -> CheckPrincipal {
    CheckPrincipal(id: id, roles: roles, attributes: attributes(attr), policyVersion: version, scope: scope)
}

func resource(_ kind: String, id: String = "r1", attr: String = "{}", version: String = "", scope: String = "") -> CheckResource {
    CheckResource(kind: kind, id: id, attributes: attributes(attr), policyVersion: version, scope: scope)
}

let allow = Effect.allow
let deny = Effect.deny

// MARK: Policy text

/// A resource policy file for `kind` at `scope` with `rules` (YAML list items indented by four spaces).
func scopedPolicy(_ kind: String, scope: String, permissions: String? = nil, version: String = "default", rules: String) -> String {
    """
    apiVersion: api.cerbos.dev/v1
    resourcePolicy:
      resource: \(kind)
      version: "\(version)"
      scope: "\(scope)"
    \(permissions.map { "  scopePermissions: \($0)" } ?? "")
      rules:
    \(rules)
    """
}

/// A principal policy file for `id` at `scope`.
func principalPolicy(_ id: String, scope: String, permissions: String? = nil, version: String = "default", rules: String) -> String {
    """
    apiVersion: api.cerbos.dev/v1
    principalPolicy:
      principal: \(id)
      version: "\(version)"
      scope: "\(scope)"
    \(permissions.map { "  scopePermissions: \($0)" } ?? "")
      rules:
    \(rules)
    """
}

/// A resource policy file for `kind` with no scope; `importing` names derived roles sets (`owners, common`).
/// No blank lines, so that positions in problems are those of the text as written.
func resourcePolicy(_ kind: String, version: String = "default", importing derivedRoles: String? = nil, rules: String) -> String {
    var lines = ["apiVersion: api.cerbos.dev/v1", "resourcePolicy:", "  resource: \(kind)", "  version: \(version)"]
    if let derivedRoles { lines.append("  importDerivedRoles: [\(derivedRoles)]") }
    return (lines + ["  rules:", rules]).joined(separator: "\n")
}

/// A role policy file for `role`; `rules` are YAML list items indented by four spaces (`allowActionsRule`).
func rolePolicy(_ role: String, scope: String? = nil, version: String? = nil, parentRoles: String? = nil, rules: String) -> String {
    var lines = ["apiVersion: api.cerbos.dev/v1", "rolePolicy:", "  role: \(role)"]
    if let scope { lines.append("  scope: \(scope)") }
    if let version { lines.append("  version: \"\(version)\"") }
    if let parentRoles { lines.append("  parentRoles: [\(parentRoles)]") }
    return (lines + ["  rules:", rules]).joined(separator: "\n")
}

/// The `owners` derived roles: `owner` is a user named by the resource's `owner` attribute.
let ownersDerivedRoles = """
    apiVersion: api.cerbos.dev/v1
    derivedRoles:
      name: owners
      definitions:
        - name: owner
          parentRoles: [user]
          condition:
            match:
              expr: R.attr.owner == P.id
    """

/// The `condition` of a rule whose fields are indented by six spaces.
private func conditionLines(_ condition: String?) -> String {
    condition.map { "\n      condition:\n        match:\n          expr: \($0)" } ?? ""
}

/// Allows `actions` to `roles` (a rule list item).
func allowRule(_ actions: String, roles: String, condition: String? = nil) -> String {
    """
        - actions: [\(actions)]
          effect: EFFECT_ALLOW
          roles: [\(roles)]
    """ + conditionLines(condition)
}

/// Allows `actions` to the derived roles `derivedRoles` (a rule list item).
func allowRule(_ actions: String, derivedRoles: String) -> String {
    """
        - actions: [\(actions)]
          effect: EFFECT_ALLOW
          derivedRoles: [\(derivedRoles)]
    """
}

func denyRule(_ actions: String, roles: String) -> String {
    """
        - actions: [\(actions)]
          effect: EFFECT_DENY
          roles: [\(roles)]
    """
}

/// A role policy rule allowing `actions` on `resource` (a rule list item).
func allowActionsRule(_ actions: String, on resource: String, condition: String? = nil) -> String {
    """
        - resource: "\(resource)"
          allowActions: [\(actions)]
    """ + conditionLines(condition)
}
