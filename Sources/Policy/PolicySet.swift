import CEL
import Synchronization

/// A compiled, validated set of policies: immutable, shared by concurrent checks, replaced as a whole on reload.
public final class PolicySet: Sendable {
    let resourcePolicies: [ResourcePolicyID: [String: CompiledResourcePolicy]]
    let principalPolicies: [PrincipalPolicyID: [String: CompiledPrincipalPolicy]]
    /// version → scope → role → policy.
    let rolePolicies: [String: [String: [String: CompiledRolePolicy]]]
    /// scope → role → parent roles, from role policies.
    let roleParents: [String: [String: [String]]]
    let derivedRoleCount: Int
    /// Composite CEL slots some expression reads (the whole `request`, `P`, …).
    let compositeSlots: Set<Int>
    /// By slot: whether any expression reads it (a check fills only those).
    let slotUsed: [Bool]
    /// The slots a check writes: those read, plus `runtime.effectiveDerivedRoles` whenever it is read.
    let filledSlots: [Int]

    /// Resource chains already resolved, by kind, version, scope and leniency.
    private let resolved = Mutex<[ResolutionKey: ResourceResolution]>([:])
    /// The root-scope resolutions of every kind with a `default`-version policy, computed while the set is
    /// built and only read afterwards: the common check finds its chain with one lookup and no lock.
    private let rootDefault = RootResolutions()
    private static let resolvedLimit = 4096

    /// Every policy's key, for listings and health output.
    public let policyKeys: [String]
    /// Keys of policies skipped because they are `disabled: true`.
    public let disabledPolicyKeys: [String]

    init(resourcePolicies: [ResourcePolicyID: [String: CompiledResourcePolicy]],
         principalPolicies: [PrincipalPolicyID: [String: CompiledPrincipalPolicy]],
         rolePolicies: [String: [String: [String: CompiledRolePolicy]]],
         derivedRoleCount: Int, usedSlots: Set<Int>, policyKeys: [String], disabledPolicyKeys: [String]) {
        self.resourcePolicies = resourcePolicies
        self.principalPolicies = principalPolicies
        self.rolePolicies = rolePolicies
        var parents: [String: [String: [String]]] = [:]
        for (_, scopes) in rolePolicies {
            for (scope, roles) in scopes {
                for (role, policy) in roles where !policy.parentRoles.isEmpty { parents[scope, default: [:]][role] = policy.parentRoles }
            }
        }
        self.roleParents = parents
        self.derivedRoleCount = derivedRoleCount
        let composites = usedSlots.intersection(PolicyEnvironment.Slot.composite)
        self.compositeSlots = composites
        // A composite is built from its parts, so reading one means filling every slot.
        let slotUsed = (0..<PolicyEnvironment.Slot.count).map { composites.isEmpty ? usedSlots.contains($0) : true }
        self.slotUsed = slotUsed
        self.filledSlots = slotUsed.indices.filter { slotUsed[$0] }
        self.policyKeys = policyKeys.sorted()
        self.disabledPolicyKeys = disabledPolicyKeys.sorted()
        for id in resourcePolicies.keys where id.version == "default" {
            rootDefault.byKind[id.kind] = resolveResource(kind: id.kind, version: "default", scope: "", lenient: false)
        }
    }

    /// Written only while the set is built (before anyone else can see it), read-only afterwards.
    final class RootResolutions: @unchecked Sendable {
        var byKind: [String: ResourceResolution] = [:]
    }

    /// An empty set: every check is denied with `NO_MATCH`.
    public static let empty = PolicySet(resourcePolicies: [:], principalPolicies: [:], rolePolicies: [:], derivedRoleCount: 0,
                                        usedSlots: [], policyKeys: [], disabledPolicyKeys: [])

    public var count: Int { policyKeys.count }

    // MARK: Scope chains

    /// One scope of a resource chain: its resource policy, if it has one (else only role policies).
    struct ChainEntry: Sendable {
        let scope: String
        let policy: CompiledResourcePolicy?
    }

    struct ResolutionKey: Hashable, Sendable {
        var kind: String
        var version: String
        var scope: String
        var lenient: Bool
    }

    /// What a check of one kind, version and scope needs before any rule runs: the scope chain, the key
    /// decisions report, and whether any policy covers the kind. Computed once per distinct key.
    struct ResourceResolution: Sendable {
        var chain: [ChainEntry]
        var key: String
        var exists: Bool
    }

    func resolveResource(kind: String, version: String, scope: String, lenient: Bool) -> ResourceResolution {
        // At the root scope leniency changes nothing (there is no ancestor to fall back to).
        if scope.isEmpty, version == "default", let known = rootDefault.byKind[kind] { return known }
        let cacheKey = ResolutionKey(kind: kind, version: version, scope: scope, lenient: lenient)
        if let known = resolved.withLock({ $0[cacheKey] }) { return known }
        let chain = resourceChain(kind: kind, version: version, scope: scope, lenient: lenient)
        let key = chain.first.map { PolicyNames.resourceKey(kind: kind, version: version, scope: $0.scope) } ?? ""
        let exists = chain.contains { entry in
            if entry.policy != nil { return true }
            return rolePolicies[version]?[entry.scope]?.values.contains { policy in
                policy.rules.contains { RowIndex.resourceMatches($0.resource, kind: kind) }
            } ?? false
        }
        let resolution = ResourceResolution(chain: chain, key: key, exists: exists)
        resolved.withLock { cache in
            if cache.count < Self.resolvedLimit { cache[cacheKey] = resolution }
        }
        return resolution
    }

    /// The resource policies (and role-policy scopes) that apply, most specific scope first. Without
    /// `lenient`, a policy must exist at exactly the requested scope.
    func resourceChain(kind: String, version: String, scope: String, lenient: Bool) -> [ChainEntry] {
        let policies = resourcePolicies[ResourcePolicyID(kind: PolicyNames.sanitize(kind), version: version)]
        let roleScopes = rolePolicies[version]
        if policies == nil && roleScopes == nil { return [] }
        return Self.chain(scope, lenient: lenient) { candidate in
            let policy = policies?[candidate]
            return policy != nil || roleScopes?[candidate] != nil ? ChainEntry(scope: candidate, policy: policy) : nil
        }
    }

    func principalChain(id: String, version: String, scope: String, lenient: Bool) -> [CompiledPrincipalPolicy] {
        guard let policies = principalPolicies[PrincipalPolicyID(principal: id, version: version)] else { return [] }
        return Self.chain(scope, lenient: lenient) { policies[$0] }
    }

    /// What `found` finds along `scope`'s chain, most specific scope first; empty unless it finds something
    /// at `scope` itself or the search is `lenient`.
    private static func chain<Entry>(_ scope: String, lenient: Bool, _ found: (String) -> Entry?) -> [Entry] {
        var chain: [Entry] = []
        for (i, candidate) in PolicyNames.scopeChain(scope).enumerated() {
            if let entry = found(candidate) {
                chain.append(entry)
            } else if i == 0 && !lenient {
                return []
            }
        }
        return chain
    }

    /// The roles `role` inherits through role policies defined in `scope`, nearest first (cycles ignored).
    func inheritedRoles(of role: String, scope: String) -> [String] {
        guard let parents = roleParents[scope] else { return [] }
        var roles = [role]
        var index = 0
        while index < roles.count {
            for parent in parents[roles[index]] ?? [] where !roles.contains(parent) { roles.append(parent) }
            index += 1
        }
        return Array(roles.dropFirst())
    }
}

/// Rows a role policy contributes for one kind and action, computed once and cached.
final class RolePolicyRows: Sendable {
    private let cache = Mutex<[String: [PolicyRow]]>([:])

    func rows(_ policy: CompiledRolePolicy, kind: String, action: String) -> [PolicyRow] {
        let key = "\(kind)\u{0}\(action)"
        if let cached = cache.withLock({ $0[key] }) { return cached }
        var rows: [PolicyRow] = []
        let forKind = policy.rules.filter { RowIndex.resourceMatches($0.resource, kind: kind) }
        let matched = forKind.filter { rule in rule.allowActions.contains { $0.matches(action) } }
        let denyAll = Glob("*")
        if matched.isEmpty {
            // Role policies list everything the role may do: anything else is denied.
            rows.append(PolicyRow(action: denyAll, role: denyAll, effect: .deny, source: "\(policy.key)#", rolePolicyKey: policy.key))
        }
        for rule in matched {
            if let condition = rule.condition {
                // Allowed only when the condition holds: a DENY unless it does, with the outputs swapped.
                let swapped = rule.output.map { CompiledOutput(ruleActivated: $0.conditionNotMet, conditionNotMet: $0.ruleActivated) }
                rows.append(PolicyRow(action: denyAll, role: denyAll, effect: .deny, condition: .none([condition]), output: swapped,
                                      source: rule.source, rolePolicyKey: policy.key))
            } else if rule.output != nil {
                rows.append(PolicyRow(action: denyAll, role: denyAll, effect: nil, output: rule.output, source: rule.source, rolePolicyKey: policy.key))
            }
        }
        cache.withLock { cache in if cache.count < 4096 { cache[key] = rows } }
        return rows
    }
}
