import CEL
import Synchronization

/// A compiled condition tree.
indirect enum CompiledCondition: Sendable {
    case expr(CELProgram)
    case all([CompiledCondition])
    case any([CompiledCondition])
    case none([CompiledCondition])
}

struct CompiledOutput: Sendable {
    var ruleActivated: CELProgram?
    var conditionNotMet: CELProgram?
}

/// A derived role as a resource policy uses it.
struct CompiledDerivedRole: Sendable {
    var name: String
    /// Index into the per-check cache of derived-role results.
    var index: Int
    var parentRoles: [Glob]
    var parentsAnyRole: Bool
    var condition: CompiledCondition?
}

/// One row of the rule table: a rule for one action pattern and one role pattern.
struct PolicyRow: Sendable {
    var action: Glob
    var role: Glob
    var effect: Effect?
    var condition: CompiledCondition?
    var derivedRole: CompiledDerivedRole?
    var output: CompiledOutput?
    /// `<policy key>#<rule name>`: the source of outputs.
    var source: String
    /// Set on the rows synthesised from role policies: the role policy's key.
    var rolePolicyKey: String?
    /// Principal-policy rows: the resource pattern.
    var resource: Glob?
}

/// Rows by action, computed once per distinct action and kept (up to a bound).
final class RowIndex: Sendable {
    let rows: [PolicyRow]
    private let cache = Mutex<[String: [Int]]>([:])
    private static let cacheLimit = 4096

    init(rows: [PolicyRow]) { self.rows = rows }

    /// Indices of the rows whose action (and, for principal rows, resource) pattern matches.
    func matching(action: String, kind: String? = nil) -> [Int] {
        let key = kind.map { "\($0)\u{0}\(action)" } ?? action
        if let cached = cache.withLock({ $0[key] }) { return cached }
        var result: [Int] = []
        for (i, row) in rows.enumerated() where row.action.matches(action) {
            if let kind, let resource = row.resource, !Self.resourceMatches(resource, kind: kind) { continue }
            result.append(i)
        }
        cache.withLock { cache in
            if cache.count < Self.cacheLimit { cache[key] = result }
        }
        return result
    }

    /// Literal resource names compare sanitised (`album:object` is `album_object`); patterns match the kind as sent.
    static func resourceMatches(_ pattern: Glob, kind: String) -> Bool {
        pattern.isLiteral ? PolicyNames.sanitize(pattern.pattern) == PolicyNames.sanitize(kind) : pattern.matches(kind)
    }
}

struct CompiledSchemas: Sendable {
    var principal: CompiledSchemaReference?
    var resource: CompiledSchemaReference?
}

struct CompiledSchemaReference: Sendable {
    var ref: String
    var schema: JSONSchema?
    var loadError: String?
    var ignoreWhenActions: [Glob]
}

/// A resource policy for one kind, version and scope.
struct CompiledResourcePolicy: Sendable {
    var key: String
    var scope: String
    var scopePermissions: ScopePermissions
    var index: RowIndex
    /// The derived roles its rules reference, for `effectiveDerivedRoles`.
    var derivedRoles: [CompiledDerivedRole]
    var schemas: CompiledSchemas?
}

/// A principal policy for one principal id, version and scope.
struct CompiledPrincipalPolicy: Sendable {
    var key: String
    var scope: String
    var scopePermissions: ScopePermissions
    var index: RowIndex
}

struct CompiledRoleRule: Sendable {
    var resource: Glob
    var allowActions: [Glob]
    var condition: CompiledCondition?
    var output: CompiledOutput?
    var source: String
}

/// A role policy for one role, version and scope.
struct CompiledRolePolicy: Sendable {
    var key: String
    var role: String
    var scope: String
    var parentRoles: [String]
    var rules: [CompiledRoleRule]
    let rows = RolePolicyRows()
}

struct ResourcePolicyID: Hashable, Sendable {
    var kind: String
    var version: String
}

struct PrincipalPolicyID: Hashable, Sendable {
    var principal: String
    var version: String
}
