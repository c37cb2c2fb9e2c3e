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

// The compiled forms are immutable classes: a check passes them around by reference, one retain each.

/// A derived role as a resource policy uses it.
final class CompiledDerivedRole: Sendable {
    let name: String
    /// Index into the per-check cache of derived-role results.
    let index: Int
    let parentRoles: [Glob]
    let parentsAnyRole: Bool
    let condition: CompiledCondition?
    /// `[name]`, made once.
    let nameList: [String]

    init(name: String, index: Int, parentRoles: [Glob], parentsAnyRole: Bool, condition: CompiledCondition?) {
        self.name = name
        self.nameList = [name]
        self.index = index
        self.parentRoles = parentRoles
        self.parentsAnyRole = parentsAnyRole
        self.condition = condition
    }
}

/// One row of the rule table: a rule for one action pattern and one role pattern.
final class PolicyRow: Sendable {
    let action: Glob
    let role: Glob
    let effect: Effect?
    let condition: CompiledCondition?
    let derivedRole: CompiledDerivedRole?
    let output: CompiledOutput?
    /// `<policy key>#<rule name>`: the source of outputs.
    let source: String
    /// Set on the rows synthesised from role policies: the role policy's key.
    let rolePolicyKey: String?
    /// Principal-policy rows: the resource pattern.
    let resource: Glob?

    init(action: Glob, role: Glob, effect: Effect?, condition: CompiledCondition? = nil, derivedRole: CompiledDerivedRole? = nil,
         output: CompiledOutput? = nil, source: String, rolePolicyKey: String? = nil, resource: Glob? = nil) {
        self.action = action
        self.role = role
        self.effect = effect
        self.condition = condition
        self.derivedRole = derivedRole
        self.output = output
        self.source = source
        self.rolePolicyKey = rolePolicyKey
        self.resource = resource
    }
}

/// Rows by action, computed once per distinct action and kept (up to a bound).
final class RowIndex: Sendable {
    let rows: [PolicyRow]
    private let cache = Mutex<[String: [Int]]>([:])
    private static let cacheLimit = 4096

    /// For every action some row names literally: the rows that apply to it (literal and pattern rows),
    /// found without a lock. Other actions go through the cache.
    private let literal: [String: [Int]]

    init(rows: [PolicyRow]) {
        self.rows = rows
        var literal: [String: [Int]] = [:]
        for row in rows where row.action.isLiteral && literal[row.action.pattern] == nil {
            let action = row.action.pattern
            literal[action] = rows.indices.filter { rows[$0].action.matches(action) }
        }
        self.literal = literal
    }

    /// Indices of the rows whose action (and, for principal rows, resource) pattern matches.
    func matching(action: String, kind: String? = nil) -> [Int] {
        if kind == nil, let rows = literal[action] { return rows }
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
final class CompiledResourcePolicy: Sendable {
    let key: String
    let scope: String
    let scopePermissions: ScopePermissions
    let index: RowIndex
    /// The derived roles its rules reference, for `effectiveDerivedRoles`.
    let derivedRoles: [CompiledDerivedRole]
    let schemas: CompiledSchemas?

    init(key: String, scope: String, scopePermissions: ScopePermissions, index: RowIndex, derivedRoles: [CompiledDerivedRole], schemas: CompiledSchemas?) {
        self.key = key
        self.scope = scope
        self.scopePermissions = scopePermissions
        self.index = index
        self.derivedRoles = derivedRoles
        self.schemas = schemas
    }
}

/// A principal policy for one principal id, version and scope.
final class CompiledPrincipalPolicy: Sendable {
    let key: String
    let scope: String
    let scopePermissions: ScopePermissions
    let index: RowIndex

    init(key: String, scope: String, scopePermissions: ScopePermissions, index: RowIndex) {
        self.key = key
        self.scope = scope
        self.scopePermissions = scopePermissions
        self.index = index
    }
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
