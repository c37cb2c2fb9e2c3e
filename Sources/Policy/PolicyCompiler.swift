import CEL

/// Checks a loaded policy set as a whole (duplicates, imports, scopes) and compiles it into the rule table.
final class PolicyCompiler {
    private(set) var problems: [PolicyProblem] = []
    let exportedVariables: [String: ExportVariablesDefinition]
    let exportedConstants: [String: ExportConstantsDefinition]
    private let derivedRoleSets: [String: (DerivedRolesDefinition, file: String)]
    private let documents: [PolicyDocument]
    private let schemas: [String: String]
    private var compiledDerivedRoles: [String: [String: CompiledDerivedRole]] = [:]
    private var derivedRoleCount = 0
    /// Every CEL slot some expression (condition, output or variable) reads.
    var usedSlots: Set<Int> = []
    private var schemaCache: [String: (JSONSchema?, String?)] = [:]

    init(documents: [PolicyDocument], schemas: [String: String]) {
        self.schemas = schemas
        var enabled: [PolicyDocument] = []
        var variables: [String: ExportVariablesDefinition] = [:]
        var constants: [String: ExportConstantsDefinition] = [:]
        var derived: [String: (DerivedRolesDefinition, file: String)] = [:]
        var seen: [String: PolicyDocument] = [:]
        var duplicates: [PolicyProblem] = []
        for document in documents where !document.disabled {
            let key = document.key
            if let previous = seen[key] {
                duplicates.append(PolicyProblem(.duplicate, file: document.file, at: document.position,
                                                "duplicate definition of \(key) (previous definition in \(previous.file):\(previous.position.line))"))
                continue
            }
            seen[key] = document
            enabled.append(document)
            switch document.body {
            case .exportVariables(let v): variables[v.name.value] = v
            case .exportConstants(let c): constants[c.name.value] = c
            case .derivedRoles(let d): derived[d.name.value] = (d, document.file)
            default: break
            }
        }
        self.documents = enabled
        self.exportedVariables = variables
        self.exportedConstants = constants
        self.derivedRoleSets = derived
        self.problems = duplicates
    }

    func problem(_ kind: PolicyProblem.Kind, _ file: String, _ position: SourcePosition, _ message: String) {
        problems.append(PolicyProblem(kind, file: file, at: position, message))
    }

    func compile(disabledKeys: [String]) -> PolicySet {
        checkImports()
        checkScopes()
        var resources: [ResourcePolicyID: [String: CompiledResourcePolicy]] = [:]
        var principals: [PrincipalPolicyID: [String: CompiledPrincipalPolicy]] = [:]
        var roles: [String: [String: [String: CompiledRolePolicy]]] = [:]
        for document in documents {
            switch document.body {
            case .resource(let p):
                let compiled = resourcePolicy(p, file: document.file, key: document.key)
                resources[ResourcePolicyID(kind: PolicyNames.sanitize(p.resource.value), version: p.version), default: [:]][p.scope] = compiled
            case .principal(let p):
                let compiled = principalPolicy(p, file: document.file, key: document.key)
                principals[PrincipalPolicyID(principal: p.principal.value, version: p.version), default: [:]][p.scope] = compiled
            case .role(let p):
                roles[p.version, default: [:]][p.scope, default: [:]][p.role.value] = rolePolicy(p, file: document.file, key: document.key)
            case .derivedRoles(let d):
                _ = derivedRoles(named: d.name.value)
            case .exportVariables(let v):
                // Compiled where imported (they may read the importer's constants); syntax is checked here so
                // that errors surface even when nothing imports them.
                for definition in v.definitions {
                    do { _ = try CELEnvironment.references(in: definition.expression.value) } catch {
                        problem(.compile, document.file, definition.expression.position,
                                "invalid expression `\(definition.expression.value)` in variable '\(definition.name)': \(error.message)")
                    }
                }
            case .exportConstants:
                break
            }
        }
        return PolicySet(resourcePolicies: resources, principalPolicies: principals, rolePolicies: roles,
                         derivedRoleCount: derivedRoleCount, usedSlots: usedSlots,
                         policyKeys: documents.map(\.key), disabledPolicyKeys: disabledKeys)
    }

    // MARK: Whole-set checks

    private func checkImports() {
        for document in documents {
            let (derived, variables, constants) = imports(of: document.body)
            let checks: [(names: [Located<String>], what: String, exists: (String) -> Bool)] = [
                (derived, "derived roles", { self.derivedRoleSets[$0] != nil }),
                (variables, "variables", { self.exportedVariables[$0] != nil }),
                (constants, "constants", { self.exportedConstants[$0] != nil }),
            ]
            for (names, what, exists) in checks {
                for name in names where !exists(name.value) {
                    problem(.missingImport, document.file, name.position, "cannot find \(what) '\(name.value)' imported by policy \(document.key)")
                }
            }
        }
    }

    private func imports(of body: PolicyBody) -> ([Located<String>], [Located<String>], [Located<String>]) {
        switch body {
        case .resource(let p): return (p.importDerivedRoles, p.variables.imports, p.constants.imports)
        case .principal(let p): return ([], p.variables.imports, p.constants.imports)
        case .role(let p): return ([], p.variables.imports, p.constants.imports)
        case .derivedRoles(let d): return ([], d.variables.imports, d.constants.imports)
        case .exportVariables, .exportConstants: return ([], [], [])
        }
    }

    /// Every ancestor scope of a scoped resource or principal policy needs a policy of its own (a role policy
    /// with a rule for the kind also makes a resource scope exist); and policies sharing a scope agree on
    /// `scopePermissions`.
    private func checkScopes() {
        var resourceScopes: Set<String> = []
        var principalScopes: Set<String> = []
        var roleRules: [String: [(scope: String, resource: Glob)]] = [:]
        var permissions: [String: (ScopePermissions, PolicyDocument)] = [:]
        for document in documents {
            switch document.body {
            case .resource(let p): resourceScopes.insert("\(PolicyNames.sanitize(p.resource.value))|\(p.version)|\(p.scope)")
            case .principal(let p): principalScopes.insert("\(p.principal.value)|\(p.version)|\(p.scope)")
            case .role(let p):
                for rule in p.rules { roleRules[p.version, default: []].append((p.scope, Glob(rule.resource.value))) }
            default: break
            }
        }
        for document in documents {
            var scope = ""
            var permission: ScopePermissions?
            switch document.body {
            case .resource(let p):
                scope = p.scope
                permission = p.scopePermissions
                let kind = PolicyNames.sanitize(p.resource.value)
                for ancestor in PolicyNames.scopeChain(p.scope).dropFirst() where !resourceScopes.contains("\(kind)|\(p.version)|\(ancestor)") {
                    let coveredByRolePolicy = (roleRules[p.version] ?? []).contains {
                        $0.scope == ancestor && RowIndex.resourceMatches($0.resource, kind: p.resource.value)
                    }
                    if !coveredByRolePolicy {
                        missingScope(PolicyNames.resourceKey(kind: p.resource.value, version: p.version, scope: ancestor), of: document)
                    }
                }
            case .principal(let p):
                scope = p.scope
                permission = p.scopePermissions
                for ancestor in PolicyNames.scopeChain(p.scope).dropFirst() where !principalScopes.contains("\(p.principal.value)|\(p.version)|\(ancestor)") {
                    missingScope(PolicyNames.principalKey(id: p.principal.value, version: p.version, scope: ancestor), of: document)
                }
            default:
                continue
            }
            let effective = permission ?? .overrideParent
            if let (other, otherDocument) = permissions[scope], other != effective {
                problem(.scopePermissionsConflict, document.file, document.position,
                        "policies sharing scope \"\(scope)\" have conflicting scopePermissions: \(document.key) has \(effective.rawValue), \(otherDocument.key) has \(other.rawValue)")
            } else {
                permissions[scope] = (effective, document)
            }
        }
    }

    private func missingScope(_ missing: String, of document: PolicyDocument) {
        problem(.missingScope, document.file, document.position,
                "scoped policy \(missing) is not found but is required by descendant policy \(document.key)")
    }

    // MARK: Conditions and outputs

    func condition(_ match: MatchDefinition?, scope: PolicyScope, file: String) -> CompiledCondition? {
        guard let match else { return nil }
        switch match {
        case .expr(let expression):
            guard let program = program(expression, scope: scope, file: file) else { return .expr(.constant(.bool(false), source: "false")) }
            return .expr(program)
        case .all(let items): return .all(items.compactMap { condition($0, scope: scope, file: file) })
        case .any(let items): return .any(items.compactMap { condition($0, scope: scope, file: file) })
        case .none(let items): return .none(items.compactMap { condition($0, scope: scope, file: file) })
        }
    }

    func output(_ definition: OutputDefinition?, scope: PolicyScope, file: String) -> CompiledOutput? {
        guard let definition else { return nil }
        return CompiledOutput(ruleActivated: definition.ruleActivated.flatMap { program($0, scope: scope, file: file) },
                              conditionNotMet: definition.conditionNotMet.flatMap { program($0, scope: scope, file: file) })
    }

    private func program(_ expression: Located<String>, scope: PolicyScope, file: String) -> CELProgram? {
        do {
            let program = try PolicyEnvironment.environment.compile(expression.value, namespaces: scope.namespaces)
            usedSlots.formUnion(program.usedSlots)
            return program
        } catch {
            let message = error.message.hasPrefix("undefined variable") || error.message.hasPrefix("undefined constant")
                ? error.message.prefix(1).uppercased() + error.message.dropFirst()
                : "invalid expression `\(expression.value)`: \(error.message)"
            problem(.compile, file, expression.position, message)
            return nil
        }
    }

    // MARK: Policies

    private func derivedRoles(named name: String) -> [String: CompiledDerivedRole] {
        if let compiled = compiledDerivedRoles[name] { return compiled }
        guard let (definition, file) = derivedRoleSets[name] else { return [:] }
        let scope = policyScope(variables: definition.variables, constants: definition.constants, file: file)
        var result: [String: CompiledDerivedRole] = [:]
        for role in definition.definitions {
            result[role.name] = CompiledDerivedRole(
                name: role.name, index: derivedRoleCount, parentRoles: role.parentRoles.map { Glob($0.value) },
                parentsAnyRole: role.parentRoles.contains { $0.value == "*" },
                condition: condition(role.condition, scope: scope, file: file))
            derivedRoleCount += 1
        }
        compiledDerivedRoles[name] = result
        return result
    }

    private func resourcePolicy(_ p: ResourcePolicyDefinition, file: String, key: String) -> CompiledResourcePolicy {
        let scope = policyScope(variables: p.variables, constants: p.constants, file: file)
        let permissions = p.scopePermissions ?? .overrideParent
        var available: [String: [CompiledDerivedRole]] = [:]
        for name in p.importDerivedRoles {
            for (roleName, role) in derivedRoles(named: name.value) { available[roleName, default: []].append(role) }
        }
        var rows: [PolicyRow] = []
        var referenced: [String: CompiledDerivedRole] = [:]
        for rule in p.rules {
            let condition = condition(rule.condition, scope: scope, file: file)
            let output = output(rule.output, scope: scope, file: file)
            let source = "\(key)#\(rule.name)"
            let (effect, rowCondition) = Self.underPermissions(permissions, rule.effect, condition)
            let roles = rule.roles.contains { $0.value == "*" } ? ["*"] : rule.roles.map(\.value)
            var derived: [CompiledDerivedRole] = []
            for name in rule.derivedRoles {
                let candidates = available[name.value] ?? []
                if candidates.isEmpty {
                    problem(.compile, file, name.position, "unknown derived role: derived role \"\(name.value)\" is not defined in any imports")
                } else if candidates.count > 1 {
                    problem(.compile, file, name.position, "ambiguous derived role: derived role \"\(name.value)\" is defined in more than one import")
                } else {
                    derived.append(candidates[0])
                    referenced[name.value] = candidates[0]
                }
            }
            for action in rule.actions {
                for role in roles {
                    rows.append(PolicyRow(action: Glob(action.value), role: Glob(role), effect: effect, condition: rowCondition,
                                          output: output, source: source))
                }
                for derivedRole in derived {
                    let parents = derivedRole.parentsAnyRole ? [Glob("*")] : derivedRole.parentRoles
                    for parent in parents {
                        rows.append(PolicyRow(action: Glob(action.value), role: parent, effect: effect, condition: rowCondition,
                                              derivedRole: derivedRole, output: output, source: source))
                    }
                }
            }
        }
        return CompiledResourcePolicy(key: key, scope: p.scope, scopePermissions: permissions, index: RowIndex(rows: rows),
                                      derivedRoles: referenced.values.sorted { $0.index < $1.index },
                                      schemas: p.schemas.map { schemas(for: $0, file: file) })
    }

    /// A rule's effect and condition as a row applies them: a conditional ALLOW in a consent-requiring
    /// scope denies when its condition fails.
    private static func underPermissions(_ permissions: ScopePermissions, _ effect: Effect,
                                         _ condition: CompiledCondition?) -> (Effect, CompiledCondition?) {
        guard permissions == .requireParentalConsentForAllows, effect == .allow, let condition else { return (effect, condition) }
        return (.deny, .none([condition]))
    }

    private func principalPolicy(_ p: PrincipalPolicyDefinition, file: String, key: String) -> CompiledPrincipalPolicy {
        let scope = policyScope(variables: p.variables, constants: p.constants, file: file)
        let permissions = p.scopePermissions ?? .overrideParent
        var rows: [PolicyRow] = []
        for rule in p.rules {
            let resource = Glob(rule.resource.value)
            for action in rule.actions {
                let (effect, rowCondition) = Self.underPermissions(permissions, action.effect, condition(action.condition, scope: scope, file: file))
                rows.append(PolicyRow(action: Glob(action.action.value), role: Glob("*"), effect: effect, condition: rowCondition,
                                      output: output(action.output, scope: scope, file: file), source: "\(key)#\(action.name)",
                                      resource: resource))
            }
        }
        return CompiledPrincipalPolicy(key: key, scope: p.scope, scopePermissions: permissions, index: RowIndex(rows: rows))
    }

    private func rolePolicy(_ p: RolePolicyDefinition, file: String, key: String) -> CompiledRolePolicy {
        let scope = policyScope(variables: p.variables, constants: p.constants, file: file)
        let rules = p.rules.map { rule in
            CompiledRoleRule(resource: Glob(rule.resource.value), allowActions: rule.allowActions.map { Glob($0.value, literalUnlessStar: false) },
                             condition: condition(rule.condition, scope: scope, file: file),
                             output: output(rule.output, scope: scope, file: file), source: "\(key)#\(rule.name)")
        }
        return CompiledRolePolicy(key: key, role: p.role.value, scope: p.scope, parentRoles: p.parentRoles.map(\.value), rules: rules)
    }

    private func schemas(for definition: SchemasDefinition, file: String) -> CompiledSchemas {
        func load(_ reference: SchemaReference?, what: String) -> CompiledSchemaReference? {
            guard let reference else { return nil }
            let ref = reference.ref.value
            let (schema, error) = schema(ref)
            if let error {
                problem(.compile, file, reference.ref.position, "invalid schema: failed to load \(what) schema \"\(ref)\": \(error)")
            }
            return CompiledSchemaReference(ref: ref, schema: schema, loadError: error,
                                           ignoreWhenActions: reference.ignoreWhenActions.map { Glob($0) })
        }
        return CompiledSchemas(principal: load(definition.principal, what: "principal"), resource: load(definition.resource, what: "resource"))
    }

    private func schema(_ ref: String) -> (JSONSchema?, String?) {
        if let cached = schemaCache[ref] { return cached }
        let result: (JSONSchema?, String?)
        let prefix = "cerbos:///"
        let documents = schemas
        let load: @Sendable (String) -> String? = { uri in
            guard uri.hasPrefix(prefix) else { return nil }
            return documents[String(uri.dropFirst(prefix.count).split(separator: "#", maxSplits: 1).first ?? "")]
        }
        if !ref.hasPrefix(prefix) {
            result = (nil, "only cerbos:/// schema references are supported")
        } else if let text = load(ref) {
            do { result = (try JSONSchema(json: text, uri: ref, load: load), nil) } catch { result = (nil, "\(error)") }
        } else {
            result = (nil, "schema _schemas/\(ref.dropFirst(prefix.count)) doesn't exist")
        }
        schemaCache[ref] = result
        return result
    }
}
