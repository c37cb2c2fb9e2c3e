import CEL

extension PolicySet {
    /// Decides each of `actions` for `principal` on `resource`, with Cerbos's semantics: principal policies
    /// first, then resource policies; within a scope a DENY beats an ALLOW for the same role, any role's ALLOW
    /// wins across roles, nothing matched means DENY.
    public func check(principal: CheckPrincipal, resource: CheckResource, actions: [String], auxData: CELMap? = nil,
                      options: CheckOptions = CheckOptions(), now: CELTimestamp) -> CheckResult {
        var evaluator = Evaluator(set: self, principal: principal, resource: resource, auxData: auxData, options: options, now: now)
        let result = evaluator.run(actions, principal: principal, resource: resource, schemaEnforcement: options.schemaEnforcement)
        ActivationPool.give(evaluator.activation)
        return result
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

    /// A principal role and the roles it inherits through role policies' `parentRoles` (usually none, so
    /// no array is allocated).
    struct RoleSet: Sequence {
        let role: String
        let inherited: [String]

        /// Whether `pattern` names this role or one it inherits.
        func matches(_ pattern: Glob) -> Bool {
            if pattern.matches(role) { return true }
            for parent in inherited where pattern.matches(parent) { return true }
            return false
        }

        struct Iterator: IteratorProtocol {
            let set: RoleSet
            var position = -1
            mutating func next() -> String? {
                defer { position += 1 }
                if position < 0 { return set.role }
                return position < set.inherited.count ? set.inherited[position] : nil
            }
        }

        func makeIterator() -> Iterator { Iterator(set: self) }
    }

    /// The principal's roles, each with what it inherits; built without allocating when no role policy
    /// declares parents.
    struct RoleSets: Sequence {
        let roles: [String]
        let inherited: [[String]]?

        var count: Int { roles.count }

        struct Iterator: IteratorProtocol {
            let sets: RoleSets
            var index = 0
            mutating func next() -> RoleSet? {
                guard index < sets.roles.count else { return nil }
                defer { index += 1 }
                return RoleSet(role: sets.roles[index], inherited: sets.inherited?[index] ?? [])
            }
        }

        func makeIterator() -> Iterator { Iterator(sets: self) }
    }

    /// The derived roles held in one scope.
    struct ScopeRoles {
        var scope: String
        var roles: [String]
    }

    /// What one row, or all the rows of one scope, say about an action.
    enum RowOutcome {
        case none, allow
        case deny(rolePolicy: String?)
        /// A condition or derived role failed under strict evaluation: the action is denied, whatever else applies.
        case strictDeny(policy: String)
    }

    // Only what the rules need, not the whole request: every stored reference is a retain and a release.
    let set: PolicySet
    let kind: String
    let strict: Bool
    let activation: CELActivation
    let resourceVersion: String
    let resourceScope: String
    /// The principal policies that apply, most specific scope first.
    let principalChain: [CompiledPrincipalPolicy]
    /// The resource's scope chain, the key its decisions report and whether any policy covers its kind.
    let resolution: PolicySet.ResourceResolution
    let roleSets: RoleSets
    var derivedRoleStates: DerivedRoleStates
    /// Derived roles held in the first scope entered, and in any further scope of the chain (kept apart
    /// so the common one-scope check allocates no list of scopes).
    var firstScopeRoles: ScopeRoles?
    var otherScopeRoles: [ScopeRoles] = []
    var currentScope: String?
    var outputs: [RuleOutput] = []
    var errors: [String] = []
    var validationErrors: [ValidationError] = []

    init(set: PolicySet, principal: CheckPrincipal, resource: CheckResource, auxData: CELMap?, options: CheckOptions, now: CELTimestamp) {
        self.set = set
        self.kind = resource.kind
        self.strict = options.strictEvaluation
        let resourceVersion = resource.policyVersion.isEmpty ? options.defaultPolicyVersion : resource.policyVersion
        let resourceScope = PolicyNames.normalizeScope(resource.scope.isEmpty ? options.defaultScope : resource.scope)
        self.resourceVersion = resourceVersion
        self.resourceScope = resourceScope
        derivedRoleStates = DerivedRoleStates(count: set.derivedRoleCount)
        principalChain = set.principalPolicies.isEmpty ? []
            : set.principalChain(id: principal.id, version: principal.policyVersion.isEmpty ? options.defaultPolicyVersion : principal.policyVersion,
                                 scope: PolicyNames.normalizeScope(principal.scope.isEmpty ? options.defaultScope : principal.scope),
                                 lenient: options.lenientScopeSearch)
        resolution = set.resolveResource(kind: resource.kind, version: resourceVersion, scope: resourceScope, lenient: options.lenientScopeSearch)
        roleSets = RoleSets(roles: principal.roles, inherited: set.roleParents.isEmpty ? nil
            : principal.roles.map { set.inheritedRoles(of: $0, scope: resourceScope) })

        typealias Slot = PolicyEnvironment.Slot
        // Only what some expression reads: a check of a policy set that never reads P.roles builds no list.
        let activation = ActivationPool.take(slots: Slot.count) ?? CELActivation(globals: [CELValue](repeating: .null, count: Slot.count), now: now)
        activation.reset(now: now)
        // Slots no expression of this set reads are never looked at, so they are not written (a reused
        // activation may still hold an earlier check's values there, unread).
        for slot in set.filledSlots {
            let value: CELValue
            switch slot {
            case Slot.principalID: value = .string(principal.id)
            case Slot.principalRoles: value = .list(principal.roles.map { .string($0) })
            case Slot.principalAttr: value = .map(principal.attributes)
            case Slot.principalVersion: value = .string(principal.policyVersion)
            case Slot.principalScope: value = .string(PolicyNames.normalizeScope(principal.scope))
            case Slot.resourceKind: value = .string(resource.kind)
            case Slot.resourceID: value = .string(resource.id)
            case Slot.resourceAttr: value = .map(resource.attributes)
            case Slot.resourceVersion: value = .string(resource.policyVersion)
            case Slot.resourceScope: value = .string(PolicyNames.normalizeScope(resource.scope))
            case Slot.auxData: value = auxData.map { .map(CELMap([(.string("jwt"), .map($0))])) } ?? Self.noAuxData
            case Slot.globals: value = .map(options.globals)
            case Slot.effectiveDerivedRoles: value = Self.noDerivedRoles
            default: continue // composites, filled below from the parts
            }
            activation.set(slot, value)
        }
        if !set.compositeSlots.isEmpty { Self.fillComposites(activation) }
        self.activation = activation
    }

    static let noAuxData = CELValue.map(CELMap([(.string("jwt"), .map(CELMap()))]))
    static let noDerivedRoles = CELValue.list([])

    /// The whole `request`, `P`, `R` and `runtime` objects, for policies that read them as values.
    static func fillComposites(_ activation: CELActivation) {
        typealias Slot = PolicyEnvironment.Slot
        let globals = activation.value
        let principal = CELValue.map(CELMap([
            (.string("id"), globals(Slot.principalID)), (.string("roles"), globals(Slot.principalRoles)),
            (.string("attr"), globals(Slot.principalAttr)), (.string("policyVersion"), globals(Slot.principalVersion)),
            (.string("scope"), globals(Slot.principalScope)),
        ]))
        let resource = CELValue.map(CELMap([
            (.string("kind"), globals(Slot.resourceKind)), (.string("id"), globals(Slot.resourceID)),
            (.string("attr"), globals(Slot.resourceAttr)), (.string("policyVersion"), globals(Slot.resourceVersion)),
            (.string("scope"), globals(Slot.resourceScope)),
        ]))
        activation.set(Slot.principal, principal)
        activation.set(Slot.resource, resource)
        activation.set(Slot.request, .map(CELMap([
            (.string("principal"), principal), (.string("resource"), resource), (.string("auxData"), globals(Slot.auxData)),
        ])))
        activation.set(Slot.runtime, .map(CELMap([(.string("effectiveDerivedRoles"), globals(Slot.effectiveDerivedRoles))])))
    }

    mutating func run(_ actions: [String], principal: CheckPrincipal, resource: CheckResource,
                      schemaEnforcement: CheckOptions.SchemaEnforcement) -> CheckResult {
        func noMatch() -> CheckResult {
            result(actions.map { ActionDecision(action: $0, effect: .deny, policy: "NO_MATCH", scope: "") })
        }
        if principalChain.isEmpty && resolution.chain.isEmpty { return noMatch() }

        if schemaEnforcement != .none, let root = resolution.chain.last, root.scope.isEmpty, let schemas = root.policy?.schemas {
            validate(schemas, actions: actions, principal: principal, resource: resource)
            if schemaEnforcement == .reject && !validationErrors.isEmpty {
                return result(actions.map { ActionDecision(action: $0, effect: .deny, policy: resolution.key, scope: "") })
            }
        }
        if principalChain.isEmpty && !resolution.exists { return noMatch() }

        var decisions: [ActionDecision] = []
        decisions.reserveCapacity(actions.count)
        for action in actions { decisions.append(decide(action)) }
        return result(decisions)
    }

    /// Every derived role held in some scope, sorted, each once.
    var effectiveDerivedRoles: [String] {
        guard let first = firstScopeRoles else { return [] }
        if otherScopeRoles.isEmpty { return first.roles }
        return Array(Set(first.roles + otherScopeRoles.flatMap(\.roles))).sorted()
    }

    func result(_ decisions: [ActionDecision]) -> CheckResult {
        CheckResult(actions: decisions, effectiveDerivedRoles: effectiveDerivedRoles, outputs: outputs,
                    validationErrors: validationErrors, evaluationErrors: errors, readClock: activation.readClock)
    }

    // MARK: One action

    mutating func decide(_ action: String) -> ActionDecision {
        // Principal policies: role-agnostic; an ALLOW or DENY there is final.
        if !roleSets.roles.isEmpty {
            for policy in principalChain {
                var outcome = RowOutcome.none
                for index in policy.index.matching(action: action, kind: kind) {
                    if fold(policy.index.rows[index], action: action, into: &outcome) { break }
                }
                if let (decision, _) = scopeDecision(outcome, action: action, scope: policy.scope, permissions: policy.scopePermissions,
                                                     policy: principalChain[0].key) {
                    return decision
                }
            }
        }

        // Resource policies, role by role: the first role that is allowed decides; else the first denial.
        let resourceChain = resolution.chain
        let undecidedPolicy = resolution.exists ? resolution.key : "NO_MATCH"
        // With several roles, the rows for this action are looked up once per scope of the chain.
        var matched: [[Int]] = []
        if roleSets.count > 1 {
            matched.reserveCapacity(resourceChain.count)
            for entry in resourceChain { matched.append(entry.policy?.index.matching(action: action) ?? []) }
        }
        var denied: ActionDecision?
        roles: for roleSet in roleSets {
            for position in resourceChain.indices {
                let entry = resourceChain[position]
                enterScope(entry)
                let outcome = scopeOutcome(of: entry, for: roleSet, action: action, matched: matched.isEmpty ? nil : matched[position])
                guard let (decision, final) = scopeDecision(outcome, action: action, scope: entry.scope,
                                                            permissions: entry.policy?.scopePermissions ?? .overrideParent,
                                                            policy: undecidedPolicy) else { continue }
                if final { return decision }
                if denied == nil { denied = decision }
                continue roles
            }
        }
        return denied ?? ActionDecision(action: action, effect: .deny, policy: undecidedPolicy, scope: "")
    }

    /// What the rows of one resource scope say for one role (and the roles it inherits): its role policies'
    /// rows, then the resource policy's rows for the role (`matched`: the indices of those matching the
    /// action, when already looked up).
    mutating func scopeOutcome(of entry: PolicySet.ChainEntry, for roleSet: RoleSet, action: String, matched: [Int]?) -> RowOutcome {
        var outcome = RowOutcome.none
        if !set.rolePolicies.isEmpty, let rolePolicies = set.rolePolicies[resourceVersion]?[entry.scope] {
            for role in roleSet {
                guard let rolePolicy = rolePolicies[role] else { continue }
                for row in rolePolicy.rows.rows(rolePolicy, kind: kind, action: action) {
                    if fold(row, action: action, into: &outcome) { return outcome }
                }
            }
        }
        guard let policy = entry.policy else { return outcome }
        let rows = policy.index.rows
        for index in matched ?? policy.index.matching(action: action) {
            let row = rows[index]
            guard row.role.matchesEverything || roleSet.matches(row.role) else { continue }
            if fold(row, action: action, into: &outcome) { return outcome }
        }
        return outcome
    }

    /// Evaluates `row` into the outcome of its scope: an ALLOW is remembered, a denial decides the scope
    /// (true: look at no further row).
    mutating func fold(_ row: PolicyRow, action: String, into outcome: inout RowOutcome) -> Bool {
        switch process(row, action: action) {
        case .none: return false
        case .allow: outcome = .allow; return false
        case let denial: outcome = denial; return true
        }
    }

    /// The decision a scope's outcome makes, if any (none: the parent scope decides): a denial, or an ALLOW
    /// unless the scope needs its parents' consent. `final` when no other role can change it. `policy` is
    /// reported unless a role policy or a strictly failed rule is more precise.
    func scopeDecision(_ outcome: RowOutcome, action: String, scope: String, permissions: ScopePermissions,
                       policy: String) -> (ActionDecision, final: Bool)? {
        switch outcome {
        case .none:
            return nil
        case .allow:
            if permissions == .requireParentalConsentForAllows { return nil }
            return (ActionDecision(action: action, effect: .allow, policy: policy, scope: scope), true)
        case .deny(let rolePolicy):
            return (ActionDecision(action: action, effect: .deny, policy: rolePolicy ?? policy, scope: scope), false)
        case .strictDeny(let failed):
            return (ActionDecision(action: action, effect: .deny, policy: failed, scope: scope), true)
        }
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
        case .all(let items): return group(items, decidedBy: false, decides: .no, otherwise: .yes)
        case .any(let items): return group(items, decidedBy: true, decides: .yes, otherwise: .no)
        case .none(let items): return group(items, decidedBy: true, decides: .no, otherwise: .yes)
        }
    }

    /// `all`/`any`/`none`: the first item that is `decidedBy` decides; an item that fails to evaluate counts
    /// as false (its error recorded), or under strict evaluation fails the whole group.
    mutating func group(_ items: [CompiledCondition], decidedBy: Bool, decides: Truth, otherwise: Truth) -> Truth {
        for item in items {
            let holds: Bool
            switch evaluate(item) {
            case .yes: holds = true
            case .no: holds = false
            case .failed(let message):
                if strict { return .failed(message) }
                errors.append(message)
                holds = false
            }
            if holds == decidedBy { return decides }
        }
        return otherwise
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
    mutating func enterScope(_ entry: PolicySet.ChainEntry) {
        let scope = entry.scope
        if currentScope == scope { return }
        currentScope = scope
        let roles: [String]
        if let first = firstScopeRoles, first.scope == scope {
            roles = first.roles
        } else if let known = otherScopeRoles.first(where: { $0.scope == scope })?.roles {
            roles = known
        } else {
            var held: [String] = []
            for derivedRole in entry.policy?.derivedRoles ?? [] {
                let eligible = derivedRole.parentsAnyRole || roleSets.contains { set in derivedRole.parentRoles.contains(where: set.matches) }
                guard eligible, case .yes = derivedRoleHolds(derivedRole) else { continue }
                // The first role held shares the role's own one-element list; only a second one copies.
                if held.isEmpty { held = derivedRole.nameList } else { held.append(derivedRole.name) }
            }
            if held.count > 1 { held.sort() }
            if firstScopeRoles == nil {
                firstScopeRoles = ScopeRoles(scope: scope, roles: held)
            } else {
                otherScopeRoles.append(ScopeRoles(scope: scope, roles: held))
            }
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
