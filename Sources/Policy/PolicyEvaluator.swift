import CEL

extension PolicySet {
    /// Decides each of `actions` for `principal` on `resource`, with Cerbos's semantics: principal policies
    /// first, then resource policies; within a scope a DENY beats an ALLOW for the same role, any role's ALLOW
    /// wins across roles, nothing matched means DENY.
    public func check(principal: CheckPrincipal, resource: CheckResource, actions: [String], auxData: CELMap? = nil,
                      options: CheckOptions = CheckOptions(), now: CELTimestamp) -> CheckResult {
        var evaluator = Evaluator(set: self, principal: principal, resource: resource, auxData: auxData, options: options, now: now)
        return evaluator.run(actions, principal: principal, resource: resource, options: options)
    }
}

/// One check of one resource: the activation, caches of derived-role results, outputs and errors.
struct Evaluator {
    enum Truth {
        case yes, no
        case failed(String)
    }

    /// Per derived role of the set: 0 not evaluated yet, 1 held, 2 not held, 3 failed. Two bits each in
    /// four words for the first 128 roles (no allocation), an array beyond.
    struct DerivedRoleStates {
        private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        private var overflow: [UInt8]

        init(count: Int) { overflow = count > 128 ? Array(repeating: 0, count: count - 128) : [] }

        subscript(index: Int) -> UInt8 {
            get {
                guard index < 128 else { return overflow[index - 128] }
                let shift = UInt64((index % 32) * 2)
                let word: UInt64 = switch index / 32 { case 0: words.0; case 1: words.1; case 2: words.2; default: words.3 }
                return UInt8((word >> shift) & 3)
            }
            set {
                guard index < 128 else { overflow[index - 128] = newValue; return }
                let shift = UInt64((index % 32) * 2)
                let bits = UInt64(newValue & 3) << shift, mask = ~(UInt64(3) << shift)
                switch index / 32 {
                case 0: words.0 = words.0 & mask | bits
                case 1: words.1 = words.1 & mask | bits
                case 2: words.2 = words.2 & mask | bits
                default: words.3 = words.3 & mask | bits
                }
            }
        }
    }

    struct ScopeRoles {
        var scope: String
        var roles: [String]
    }

    enum RowOutcome {
        case none, allow
        case deny(rolePolicy: String?)
        case strictDeny(policy: String)
    }

    // Only what the rules need, not the whole request: every stored reference is a retain and a release.
    let set: PolicySet
    let roles: [String]
    let kind: String
    let strict: Bool
    let activation: CELActivation
    let resourceVersion: String
    let principalVersion: String
    let resourceScope: String
    let principalScope: String
    var derivedRoleStates: DerivedRoleStates
    /// Derived roles held per scope of the chain (a chain has a handful of scopes at most).
    var effectiveByScope: [ScopeRoles] = []
    /// Every derived role held in some scope, sorted and unique at the end.
    var effective: [String] = []
    var currentScope: String?
    var outputs: [RuleOutput] = []
    var errors: [String] = []
    var validationErrors: [ValidationError] = []

    init(set: PolicySet, principal: CheckPrincipal, resource: CheckResource, auxData: CELMap?, options: CheckOptions, now: CELTimestamp) {
        self.set = set
        self.roles = principal.roles
        self.kind = resource.kind
        self.strict = options.strictEvaluation
        principalVersion = principal.policyVersion.isEmpty ? options.defaultPolicyVersion : principal.policyVersion
        resourceVersion = resource.policyVersion.isEmpty ? options.defaultPolicyVersion : resource.policyVersion
        principalScope = PolicyNames.normalizeScope(principal.scope.isEmpty ? options.defaultScope : principal.scope)
        resourceScope = PolicyNames.normalizeScope(resource.scope.isEmpty ? options.defaultScope : resource.scope)
        derivedRoleStates = DerivedRoleStates(count: set.derivedRoleCount)

        typealias Slot = PolicyEnvironment.Slot
        var globals = [CELValue](repeating: .null, count: Slot.count)
        // Only what some expression reads: a check of a policy set that never reads P.roles builds no list.
        let used = set.slotUsed
        if used[Slot.principalID] { globals[Slot.principalID] = .string(principal.id) }
        if used[Slot.principalRoles] { globals[Slot.principalRoles] = .list(principal.roles.map { .string($0) }) }
        if used[Slot.principalAttr] { globals[Slot.principalAttr] = .map(principal.attributes) }
        if used[Slot.principalVersion] { globals[Slot.principalVersion] = .string(principal.policyVersion) }
        if used[Slot.principalScope] { globals[Slot.principalScope] = .string(PolicyNames.normalizeScope(principal.scope)) }
        if used[Slot.resourceKind] { globals[Slot.resourceKind] = .string(resource.kind) }
        if used[Slot.resourceID] { globals[Slot.resourceID] = .string(resource.id) }
        if used[Slot.resourceAttr] { globals[Slot.resourceAttr] = .map(resource.attributes) }
        if used[Slot.resourceVersion] { globals[Slot.resourceVersion] = .string(resource.policyVersion) }
        if used[Slot.resourceScope] { globals[Slot.resourceScope] = .string(PolicyNames.normalizeScope(resource.scope)) }
        if used[Slot.auxData] { globals[Slot.auxData] = auxData.map { .map(CELMap([(.string("jwt"), .map($0))])) } ?? Self.noAuxData }
        if used[Slot.globals] { globals[Slot.globals] = .map(options.globals) }
        globals[Slot.effectiveDerivedRoles] = Self.noDerivedRoles
        if !set.compositeSlots.isEmpty { Self.fillComposites(&globals, set.compositeSlots) }
        activation = CELActivation(globals: globals, now: now)
    }

    static let noAuxData = CELValue.map(CELMap([(.string("jwt"), .map(CELMap()))]))
    static let noDerivedRoles = CELValue.list([])

    /// The whole `request`, `P`, `R` and `runtime` objects, for policies that read them as values.
    static func fillComposites(_ globals: inout [CELValue], _ slots: Set<Int>) {
        typealias Slot = PolicyEnvironment.Slot
        let principal = CELValue.map(CELMap([
            (.string("id"), globals[Slot.principalID]), (.string("roles"), globals[Slot.principalRoles]),
            (.string("attr"), globals[Slot.principalAttr]), (.string("policyVersion"), globals[Slot.principalVersion]),
            (.string("scope"), globals[Slot.principalScope]),
        ]))
        let resource = CELValue.map(CELMap([
            (.string("kind"), globals[Slot.resourceKind]), (.string("id"), globals[Slot.resourceID]),
            (.string("attr"), globals[Slot.resourceAttr]), (.string("policyVersion"), globals[Slot.resourceVersion]),
            (.string("scope"), globals[Slot.resourceScope]),
        ]))
        globals[Slot.principal] = principal
        globals[Slot.resource] = resource
        globals[Slot.request] = .map(CELMap([
            (.string("principal"), principal), (.string("resource"), resource), (.string("auxData"), globals[Slot.auxData]),
        ]))
        globals[Slot.runtime] = .map(CELMap([(.string("effectiveDerivedRoles"), globals[Slot.effectiveDerivedRoles])]))
    }

    mutating func run(_ actions: [String], principal: CheckPrincipal, resource: CheckResource, options: CheckOptions) -> CheckResult {
        let principalChain = set.principalPolicies.isEmpty ? []
            : set.principalChain(id: principal.id, version: principalVersion, scope: principalScope, lenient: options.lenientScopeSearch)
        let resolution = set.resolveResource(kind: resource.kind, version: resourceVersion, scope: resourceScope, lenient: options.lenientScopeSearch)
        let resourceChain = resolution.chain
        func noMatch() -> CheckResult {
            result(actions.map { ActionDecision(action: $0, effect: .deny, policy: "NO_MATCH", scope: "") })
        }
        if principalChain.isEmpty && resourceChain.isEmpty { return noMatch() }
        let resourceKey = resolution.key

        if options.schemaEnforcement != .none, let root = resourceChain.last, root.scope.isEmpty, let schemas = root.policy?.schemas {
            validate(schemas, actions: actions, principal: principal, resource: resource)
            if options.schemaEnforcement == .reject && !validationErrors.isEmpty {
                return result(actions.map { ActionDecision(action: $0, effect: .deny, policy: resourceKey, scope: "") })
            }
        }
        let resourceExists = resolution.exists
        if principalChain.isEmpty && !resourceExists { return noMatch() }

        let roleSets = principal.roles.map { set.roleSet($0, scope: resourceScope) }
        var decisions: [ActionDecision] = []
        decisions.reserveCapacity(actions.count)
        for action in actions {
            decisions.append(decide(action, principalChain: principalChain, resourceChain: resourceChain, resourceKey: resourceKey,
                                    resourceExists: resourceExists, roleSets: roleSets))
        }
        return result(decisions)
    }

    func result(_ decisions: [ActionDecision]) -> CheckResult {
        CheckResult(actions: decisions, effectiveDerivedRoles: effective.count < 2 ? effective : Array(Set(effective)).sorted(), outputs: outputs,
                    validationErrors: validationErrors, evaluationErrors: errors, readClock: activation.readClock)
    }

    // MARK: One action

    mutating func decide(_ action: String, principalChain: [CompiledPrincipalPolicy], resourceChain: [PolicySet.ChainEntry],
                         resourceKey: String, resourceExists: Bool, roleSets: [[String]]) -> ActionDecision {
        // Principal policies: role-agnostic; an ALLOW or DENY there is final.
        if !principalChain.isEmpty && !roles.isEmpty {
            scopes: for policy in principalChain {
                var hasAllow = false
                for index in policy.index.matching(action: action, kind: kind) {
                    switch process(policy.index.rows[index], action: action) {
                    case .none: continue
                    case .allow: hasAllow = true
                    case .deny: return ActionDecision(action: action, effect: .deny, policy: principalChain[0].key, scope: policy.scope)
                    case .strictDeny(let key): return ActionDecision(action: action, effect: .deny, policy: key, scope: policy.scope)
                    }
                }
                if hasAllow {
                    if policy.scopePermissions == .requireParentalConsentForAllows { continue scopes }
                    return ActionDecision(action: action, effect: .allow, policy: principalChain[0].key, scope: policy.scope)
                }
            }
        }

        // Resource policies, role by role: the first role that is allowed decides; else the first denial.
        let undecided = ActionDecision(action: action, effect: .deny, policy: resourceExists ? resourceKey : "NO_MATCH", scope: "")
        var decided: ActionDecision?
        let hasRolePolicies = !set.rolePolicies.isEmpty
        // The rows for this action, per scope of the chain, looked up once for every role.
        var matched: [[Int]] = []
        matched.reserveCapacity(resourceChain.count)
        for entry in resourceChain { matched.append(entry.policy?.index.matching(action: action) ?? []) }
        roles: for roleSet in roleSets {
            var outcome: ActionDecision?
            scopes: for position in resourceChain.indices {
                let scope = resourceChain[position].scope
                let policy = resourceChain[position].policy
                enterScope(scope, policy: policy, roleSets: roleSets)
                var hasAllow = false
                if hasRolePolicies, let rolePolicies = set.rolePolicies[resourceVersion]?[scope] {
                    for role in roleSet {
                        guard let rolePolicy = rolePolicies[role] else { continue }
                        for row in rolePolicy.rows.rows(rolePolicy, kind: kind, action: action) {
                            switch process(row, action: action) {
                            case .none: continue
                            case .allow: hasAllow = true
                            case .deny(let key):
                                outcome = ActionDecision(action: action, effect: .deny, policy: key ?? undecided.policy, scope: scope)
                                break scopes
                            case .strictDeny(let key):
                                return ActionDecision(action: action, effect: .deny, policy: key, scope: scope)
                            }
                        }
                    }
                }
                if let policy {
                    let rows = policy.index.rows
                    for index in matched[position] {
                        let row = rows[index]
                        guard row.role.matchesEverything || roleSet.contains(where: row.role.matches) else { continue }
                        switch process(row, action: action) {
                        case .none: continue
                        case .allow: hasAllow = true
                        case .deny(let key):
                            outcome = ActionDecision(action: action, effect: .deny, policy: key ?? undecided.policy, scope: scope)
                            break scopes
                        case .strictDeny(let key):
                            return ActionDecision(action: action, effect: .deny, policy: key, scope: scope)
                        }
                    }
                }
                if hasAllow {
                    if (policy?.scopePermissions ?? .overrideParent) == .requireParentalConsentForAllows { continue scopes }
                    outcome = ActionDecision(action: action, effect: .allow, policy: undecided.policy, scope: scope)
                    break scopes
                }
            }
            if let outcome {
                if outcome.effect == .allow { return outcome }
                if decided == nil { decided = outcome }
            }
        }
        return decided ?? undecided
    }

    /// Evaluates one row: its derived role, its condition, its outputs.
    mutating func process(_ row: PolicyRow, action: String) -> RowOutcome {
        if let derivedRole = row.derivedRole {
            switch derivedRoleHolds(derivedRole) {
            case .yes: break
            case .no: return .none
            case .failed:
                if strict { return .strictDeny(policy: Self.policyKey(row)) }
                return .none
            }
        }
        var satisfied = true
        if let condition = row.condition {
            switch evaluate(condition) {
            case .yes: satisfied = true
            case .no: satisfied = false
            case .failed(let message):
                if strict { return .strictDeny(policy: Self.policyKey(row)) }
                errors.append("\(row.source): \(message)")
                satisfied = false
            }
        }
        if satisfied {
            emit(row.output?.ruleActivated, source: row.source, action: action)
            switch row.effect {
            case .allow: return .allow
            case .deny: return .deny(rolePolicy: row.rolePolicyKey)
            case nil: return .none
            }
        }
        emit(row.output?.conditionNotMet, source: row.source, action: action)
        return .none
    }

    static func policyKey(_ row: PolicyRow) -> String {
        row.rolePolicyKey ?? String(row.source[..<(row.source.lastIndex(of: "#") ?? row.source.endIndex)])
    }

    mutating func emit(_ program: CELProgram?, source: String, action: String) {
        guard let program else { return }
        switch program.evaluate(activation) {
        case .error(let error): outputs.append(RuleOutput(source: source, action: action, value: nil, error: error.message))
        case .unknown: outputs.append(RuleOutput(source: source, action: action, value: nil, error: "unknown value"))
        case let value: outputs.append(RuleOutput(source: source, action: action, value: value, error: nil))
        }
    }

    // MARK: Conditions and derived roles

    mutating func evaluate(_ condition: CompiledCondition) -> Truth {
        switch condition {
        case .expr(let program):
            switch program.evaluate(activation) {
            case .bool(true): return .yes
            case .bool(false): return .no
            case .error(let error): return .failed(error.message)
            case .unknown: return .failed("unknown value")
            default: return .no
            }
        case .all(let items):
            for item in items {
                switch evaluate(item) {
                case .yes: continue
                case .no: return .no
                case .failed(let message):
                    if strict { return .failed(message) }
                    errors.append(message)
                    return .no
                }
            }
            return .yes
        case .any(let items):
            for item in items {
                switch evaluate(item) {
                case .yes: return .yes
                case .no: continue
                case .failed(let message):
                    if strict { return .failed(message) }
                    errors.append(message)
                }
            }
            return .no
        case .none(let items):
            for item in items {
                switch evaluate(item) {
                case .yes: return .no
                case .no: continue
                case .failed(let message):
                    if strict { return .failed(message) }
                    errors.append(message)
                }
            }
            return .yes
        }
    }

    /// Whether the principal holds a derived role here (its parent-role match is the caller's business).
    mutating func derivedRoleHolds(_ role: CompiledDerivedRole) -> Truth {
        switch derivedRoleStates[role.index] {
        case 1: return .yes
        case 2: return .no
        case 3: return .failed("derived role \(role.name) failed")
        default: break
        }
        guard let condition = role.condition else {
            derivedRoleStates[role.index] = 1
            return .yes
        }
        let truth = evaluate(condition)
        switch truth {
        case .yes: derivedRoleStates[role.index] = 1
        case .no: derivedRoleStates[role.index] = 2
        case .failed(let message):
            derivedRoleStates[role.index] = 3
            errors.append("derived role \(role.name): \(message)")
        }
        return truth
    }

    /// Sets `runtime.effectiveDerivedRoles` for `scope`, computing the derived roles the principal holds there.
    mutating func enterScope(_ scope: String, policy: CompiledResourcePolicy?, roleSets: [[String]]) {
        if currentScope == scope { return }
        currentScope = scope
        let roles: [String]
        if let known = effectiveByScope.first(where: { $0.scope == scope })?.roles {
            roles = known
        } else {
            var held: [String] = []
            for derivedRole in policy?.derivedRoles ?? [] {
                let eligible = derivedRole.parentsAnyRole || roleSets.contains { set in set.contains { role in derivedRole.parentRoles.contains { $0.matches(role) } } }
                guard eligible, case .yes = derivedRoleHolds(derivedRole) else { continue }
                held.append(derivedRole.name)
            }
            if held.count > 1 { held.sort() }
            effectiveByScope.append(ScopeRoles(scope: scope, roles: held))
            effective.append(contentsOf: held)
            roles = held
        }
        typealias Slot = PolicyEnvironment.Slot
        guard set.slotUsed[Slot.effectiveDerivedRoles] else { return }
        let list = CELValue.list(roles.map { .string($0) })
        activation.set(Slot.effectiveDerivedRoles, list)
        if set.compositeSlots.contains(Slot.runtime) {
            activation.set(Slot.runtime, .map(CELMap([(.string("effectiveDerivedRoles"), list)])))
        }
    }

    // MARK: Schemas

    mutating func validate(_ schemas: CompiledSchemas, actions: [String], principal: CheckPrincipal, resource: CheckResource) {
        func check(_ reference: CompiledSchemaReference?, _ value: CELMap, source: ValidationError.Source) {
            guard let reference else { return }
            if !reference.ignoreWhenActions.isEmpty,
                actions.allSatisfy({ action in reference.ignoreWhenActions.contains { $0.matches(action) } }) { return }
            guard let schema = reference.schema else {
                let what = source == .principal ? "principal" : "resource"
                validationErrors.append(ValidationError(path: "", message: "Failed to load \(what) schema \"\(reference.ref)\": \(reference.loadError ?? "unknown error")", source: source))
                return
            }
            for error in schema.validate(.map(value)) {
                validationErrors.append(ValidationError(path: error.path, message: error.message, source: source))
            }
        }
        check(schemas.principal, principal.attributes, source: .principal)
        check(schemas.resource, resource.attributes, source: .resource)
    }
}
