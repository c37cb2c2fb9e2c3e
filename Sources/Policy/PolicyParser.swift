import CEL

/// Decodes one policy document strictly, collecting problems with field paths.
struct PolicyParser {
    let reader: DocumentReader

    static let policyKinds = ["resourcePolicy", "principalPolicy", "derivedRoles", "rolePolicy", "exportVariables", "exportConstants"]

    func parse(_ node: DocumentNode) -> PolicyDocument? {
        guard let fields = reader.object(node, "$", allowed: Set(["apiVersion", "description", "disabled", "metadata", "variables", "$schema"]
            + Self.policyKinds)) else { return nil }
        if let api = fields.string("apiVersion", required: true), api.value != "api.cerbos.dev/v1" {
            reader.problem(at: api.position, "apiVersion must be \"api.cerbos.dev/v1\", found \"\(api.value)\"")
        }
        _ = fields.string("description")   // checked, not kept
        let disabled = fields.bool("disabled")
        if let (metadata, path) = fields["metadata"] {
            if let meta = reader.object(metadata, path, allowed: ["sourceFile", "annotations", "hash", "storeIdentifier", "sourceAttributes"]) {
                for (_, value, valuePath) in meta.map("annotations") { _ = reader.string(value, valuePath) }
            }
        }
        let present = Self.policyKinds.compactMap { kind in fields[kind].map { (kind: kind, node: $0.node, path: $0.path) } }
        guard let (kind, bodyNode, bodyPath) = present.first else {
            reader.problem(at: fields.position, "a policy needs exactly one of \(Self.policyKinds.joined(separator: ", "))")
            return nil
        }
        if present.count > 1 {
            reader.problem(at: reader.position(present[1].node, present[1].path),
                           "a policy has exactly one of \(present.map(\.kind).joined(separator: " and ")): found both")
            return nil
        }
        // The deprecated top-level `variables` map: local variables of resource, principal and derived-roles policies.
        var legacy: [(String, Located<String>)] = []
        if let (node, path) = fields["variables"] {
            if kind == "exportVariables" || kind == "exportConstants" || kind == "rolePolicy" {
                reader.problem(at: reader.position(node, path), "top-level variables are not allowed in \(kind) policies")
            } else {
                legacy = expressions(node, path)
            }
        }
        let body: PolicyBody?
        switch kind {
        case "resourcePolicy": body = resourcePolicy(bodyNode, bodyPath, legacy: legacy).map(PolicyBody.resource)
        case "principalPolicy": body = principalPolicy(bodyNode, bodyPath, legacy: legacy).map(PolicyBody.principal)
        case "derivedRoles": body = derivedRoles(bodyNode, bodyPath, legacy: legacy).map(PolicyBody.derivedRoles)
        case "rolePolicy": body = rolePolicy(bodyNode, bodyPath).map(PolicyBody.role)
        case "exportVariables": body = exportVariables(bodyNode, bodyPath).map(PolicyBody.exportVariables)
        default: body = exportConstants(bodyNode, bodyPath).map(PolicyBody.exportConstants)
        }
        guard let body else { return nil }
        return PolicyDocument(file: reader.file, position: reader.position(node, "$"), disabled: disabled, body: body)
    }

    // MARK: Policy kinds

    private func resourcePolicy(_ node: DocumentNode, _ path: String, legacy: [(String, Located<String>)]) -> ResourcePolicyDefinition? {
        guard let f = reader.object(node, path, allowed: ["resource", "version", "scope", "scopePermissions", "importDerivedRoles",
                                                          "constants", "variables", "schemas", "rules"]) else { return nil }
        let resource = literalName(f, "resource")
        let version = versionField(f, required: true)
        let scope = scopeField(f)
        let permissions = scopePermissions(f)
        let imports = f.strings("importDerivedRoles")
        checkUnique(imports, what: "derived roles import")
        for item in imports { checkImportName(item, what: "derived roles name") }
        var rules: [ResourceRuleDefinition] = []
        var names: [String: SourcePosition] = [:]
        for (i, (ruleNode, rulePath)) in f.list("rules").enumerated() {
            guard let rule = resourceRule(ruleNode, rulePath, index: i) else { continue }
            if let previous = names[rule.name] {
                reader.problem(at: rule.position, "duplicate rule name \"\(rule.name)\": rule #\(i + 1) has the same name as a rule defined at \(previous)")
            }
            names[rule.name] = rule.position
            rules.append(rule)
        }
        guard let resource else { return nil }
        return ResourcePolicyDefinition(
            resource: resource, version: version, scope: scope, scopePermissions: permissions, importDerivedRoles: imports,
            variables: variables(f, legacy: legacy), constants: constants(f), schemas: schemas(f), rules: rules)
    }

    private func resourceRule(_ node: DocumentNode, _ path: String, index: Int) -> ResourceRuleDefinition? {
        guard let f = reader.object(node, path, allowed: ["name", "actions", "effect", "roles", "derivedRoles", "condition", "output"]) else { return nil }
        let name = ruleName(f) ?? String(format3: "rule-", index + 1)
        let actions = f.strings("actions", required: true)
        checkActions(actions)
        let roles = f.strings("roles")
        checkUnique(roles, what: "role")
        let derived = f.strings("derivedRoles")
        checkUnique(derived, what: "derived role")
        for item in derived { checkImportName(item, what: "derived role name") }
        if roles.isEmpty && derived.isEmpty {
            reader.problem(at: f.position, "rule \(f.has("name") ? "\"\(name)\"" : "#\(index + 1)") does not specify any roles or derived roles to match")
        }
        guard let effect = effect(f) else { return nil }
        return ResourceRuleDefinition(name: name, position: f.position, actions: actions, effect: effect, roles: roles, derivedRoles: derived,
                                      condition: condition(f), output: output(f))
    }

    private func derivedRoles(_ node: DocumentNode, _ path: String, legacy: [(String, Located<String>)]) -> DerivedRolesDefinition? {
        guard let f = reader.object(node, path, allowed: ["name", "definitions", "variables", "constants"]) else { return nil }
        let name = importName(f, what: "derived roles name")
        var definitions: [DerivedRoleDefinition] = []
        var names: [String: SourcePosition] = [:]
        let items = f.list("definitions")
        if items.isEmpty { reader.problem(at: f.position, "derivedRoles.definitions: value must contain at least 1 item") }
        for (i, (item, itemPath)) in items.enumerated() {
            guard let d = reader.object(item, itemPath, allowed: ["name", "parentRoles", "condition"]) else { continue }
            guard let roleName = importName(d, what: "derived role name") else { continue }
            if let previous = names[roleName.value] {
                reader.problem(at: roleName.position, "duplicate derived role definition \"\(roleName.value)\": definition #\(i + 1) has the same name as a definition at \(previous)")
            }
            names[roleName.value] = roleName.position
            let parents = d.strings("parentRoles", required: true)
            checkUnique(parents, what: "parent role")
            definitions.append(DerivedRoleDefinition(name: roleName.value, position: d.position, parentRoles: parents, condition: condition(d)))
        }
        guard let name else { return nil }
        return DerivedRolesDefinition(name: name, variables: variables(f, legacy: legacy), constants: constants(f), definitions: definitions)
    }

    private func principalPolicy(_ node: DocumentNode, _ path: String, legacy: [(String, Located<String>)]) -> PrincipalPolicyDefinition? {
        guard let f = reader.object(node, path, allowed: ["principal", "version", "scope", "scopePermissions", "rules", "variables", "constants"])
        else { return nil }
        let principal = literalName(f, "principal")
        let version = versionField(f, required: true)
        let scope = scopeField(f)
        let permissions = scopePermissions(f)
        var rules: [PrincipalRuleDefinition] = []
        var resources: [String: (Int, SourcePosition)] = [:]
        for (i, (ruleNode, rulePath)) in f.list("rules").enumerated() {
            guard let r = reader.object(ruleNode, rulePath, allowed: ["resource", "actions"]) else { continue }
            guard let resource = r.string("resource", required: true) else { continue }
            if let (index, previous) = resources[resource.value] {
                reader.problem(at: resource.position, "duplicate resource \"\(resource.value)\" at rule #\(i + 1): previous definition in rule #\(index) at \(previous)")
            }
            resources[resource.value] = (i + 1, resource.position)
            var actions: [PrincipalActionDefinition] = []
            var names: [String: SourcePosition] = [:]
            let items = r.list("actions")
            if items.isEmpty { reader.problem(at: r.position, "rule for \"\(resource.value)\" needs at least one action") }
            for (j, (actionNode, actionPath)) in items.enumerated() {
                guard let a = reader.object(actionNode, actionPath, allowed: ["action", "effect", "name", "condition", "output"]) else { continue }
                guard let action = a.string("action", required: true), let effect = effect(a) else { continue }
                let name = ruleName(a) ?? String(format3: "\(resource.value)_rule-", j + 1)
                if let previous = names[name] {
                    reader.problem(at: a.position, "duplicate action rule name \"\(name)\": action rule #\(j + 1) for resource \"\(resource.value)\" has the same name as an action rule defined at \(previous)")
                }
                names[name] = a.position
                actions.append(PrincipalActionDefinition(name: name, position: a.position, action: action, effect: effect,
                                                         condition: condition(a), output: output(a)))
            }
            rules.append(PrincipalRuleDefinition(resource: resource, actions: actions))
        }
        guard let principal else { return nil }
        return PrincipalPolicyDefinition(principal: principal, version: version, scope: scope, scopePermissions: permissions,
                                         variables: variables(f, legacy: legacy), constants: constants(f), rules: rules)
    }

    private func rolePolicy(_ node: DocumentNode, _ path: String) -> RolePolicyDefinition? {
        guard let f = reader.object(node, path, allowed: ["role", "version", "scope", "scopePermissions", "parentRoles", "rules", "variables", "constants"])
        else { return nil }
        let role = literalName(f, "role")
        var version = versionField(f, required: false)
        if version.isEmpty { version = "default" }
        let scope = scopeField(f)
        if let permissions = scopePermissions(f), permissions == .overrideParent {
            reader.problem(at: f["scopePermissions"].map { reader.position($0.node, $0.path) } ?? f.position,
                           "role policies only support SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS")
        }
        let parents = f.strings("parentRoles")
        checkUnique(parents, what: "parent role")
        var rules: [RoleRuleDefinition] = []
        for (ruleNode, rulePath) in f.list("rules") {
            guard let r = reader.object(ruleNode, rulePath, allowed: ["resource", "allowActions", "name", "condition", "output"]) else { continue }
            guard let resource = r.string("resource", required: true) else { continue }
            let actions = r.strings("allowActions", required: true)
            checkActions(actions)
            rules.append(RoleRuleDefinition(name: ruleName(r) ?? "", position: r.position, resource: resource, allowActions: actions,
                                            condition: condition(r), output: output(r)))
        }
        guard let role else { return nil }
        return RolePolicyDefinition(role: role, version: version, scope: scope, parentRoles: parents,
                                    variables: variables(f, legacy: []), constants: constants(f), rules: rules)
    }

    private func exportVariables(_ node: DocumentNode, _ path: String) -> ExportVariablesDefinition? {
        guard let f = reader.object(node, path, allowed: ["name", "definitions"]) else { return nil }
        let name = importName(f, what: "name")
        let definitions = f["definitions"].map { expressions($0.node, $0.path) } ?? []
        for (variable, expression) in definitions {
            if let problem = PolicyNames.identifierProblem(variable) { reader.problem(at: expression.position, problem) }
        }
        guard let name else { return nil }
        return ExportVariablesDefinition(name: name, definitions: definitions)
    }

    private func exportConstants(_ node: DocumentNode, _ path: String) -> ExportConstantsDefinition? {
        guard let f = reader.object(node, path, allowed: ["name", "definitions"]) else { return nil }
        let name = importName(f, what: "name")
        var definitions: [(String, CELValue, SourcePosition)] = []
        for (constant, valueNode, valuePath) in f.map("definitions") {
            let position = reader.position(valueNode, valuePath)
            if let problem = PolicyNames.identifierProblem(constant) { reader.problem(at: position, problem) }
            definitions.append((constant, valueNode.celValue, position))
        }
        guard let name else { return nil }
        return ExportConstantsDefinition(name: name, definitions: definitions)
    }

    // MARK: Shared pieces

    /// A required name that must not be a pattern (`resource`, `principal`, `role`).
    private func literalName(_ f: Fields, _ field: String) -> Located<String>? {
        let name = f.string(field, required: true)
        if let name, !PolicyNames.isLiteralName(name.value) {
            reader.problem(at: name.position, "\(field) \"\(name.value)\" must not contain wildcard characters (!*?[]{})")
        }
        return name
    }

    /// The required `name` of something imported by name (derived roles, exported variables and constants).
    private func importName(_ f: Fields, what: String) -> Located<String>? {
        let name = f.string("name", required: true)
        if let name { checkImportName(name, what: what) }
        return name
    }

    private func checkImportName(_ name: Located<String>, what: String) {
        if !PolicyNames.isImportName(name.value) { reader.problem(at: name.position, "\"\(name.value)\" is not a valid \(what)") }
    }

    private func versionField(_ f: Fields, required: Bool) -> String {
        guard let version = f.string("version", required: required) else { return "" }
        if !PolicyNames.isVersion(version.value, allowEmpty: !required) {
            reader.problem(at: version.position, "version \"\(version.value)\" may only contain letters, digits and underscores")
        }
        return version.value
    }

    private func scopeField(_ f: Fields) -> String {
        guard let scope = f.string("scope") else { return "" }
        if !PolicyNames.isScope(scope.value) {
            reader.problem(at: scope.position, "scope \"\(scope.value)\" must be dot-separated segments of letters, digits, _ and -")
        }
        return PolicyNames.normalizeScope(scope.value)
    }

    private func scopePermissions(_ f: Fields) -> ScopePermissions? {
        guard let value = f.string("scopePermissions") else { return nil }
        switch value.value {
        case "", "SCOPE_PERMISSIONS_UNSPECIFIED", "0": return nil
        case "SCOPE_PERMISSIONS_OVERRIDE_PARENT", "1": return .overrideParent
        case "SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS", "2": return .requireParentalConsentForAllows
        default:
            reader.problem(at: value.position, "invalid scopePermissions \"\(value.value)\": expected SCOPE_PERMISSIONS_OVERRIDE_PARENT or SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS", kind: .parse)
            return nil
        }
    }

    private func effect(_ f: Fields) -> Effect? {
        guard let value = f.string("effect", required: true) else { return nil }
        switch value.value {
        case "EFFECT_ALLOW", "1": return .allow
        case "EFFECT_DENY", "2": return .deny
        default:
            reader.problem(at: value.position, "invalid effect \"\(value.value)\": expected EFFECT_ALLOW or EFFECT_DENY",
                           kind: ["EFFECT_UNSPECIFIED", "EFFECT_NO_MATCH", "0", "3"].contains(value.value) ? .validation : .parse)
            return nil
        }
    }

    private func ruleName(_ f: Fields) -> String? {
        guard let name = f.string("name"), !name.value.isEmpty else { return nil }
        if !PolicyNames.isRuleName(name.value) {
            reader.problem(at: name.position, "rule name \"\(name.value)\" must start with a letter and contain only letters, digits and _@.-")
        }
        return name.value
    }

    private func checkActions(_ actions: [Located<String>]) {
        checkUnique(actions, what: "action")
        for action in actions where action.value.isEmpty { reader.problem(at: action.position, "actions must not be empty strings") }
    }

    private func checkUnique(_ items: [Located<String>], what: String) {
        var seen: Set<String> = []
        for item in items where !seen.insert(item.value).inserted {
            reader.problem(at: item.position, "\(what) \"\(item.value)\" is listed twice")
        }
    }

    func condition(_ f: Fields) -> MatchDefinition? {
        guard let (node, path) = f["condition"] else { return nil }
        guard let c = reader.object(node, path, allowed: ["match", "script"]) else { return nil }
        if let (scriptNode, scriptPath) = c["script"] {
            reader.problem(at: reader.position(scriptNode, scriptPath), "scripts in conditions are no longer supported", kind: .compile)
            return nil
        }
        guard let (matchNode, matchPath) = c["match"] else {
            c.missing("match")
            return nil
        }
        return match(matchNode, matchPath)
    }

    func match(_ node: DocumentNode, _ path: String) -> MatchDefinition? {
        guard let f = reader.object(node, path, allowed: ["expr", "all", "any", "none"]) else { return nil }
        let present = ["expr", "all", "any", "none"].compactMap { kind in f[kind].map { (kind: kind, node: $0.node, path: $0.path) } }
        guard present.count == 1, let (kind, groupNode, groupPath) = present.first else {
            reader.problem(at: f.position, present.isEmpty ? "a match needs one of expr, all, any, none"
                           : "a match has exactly one of expr, all, any, none: found \(present.map(\.kind).joined(separator: ", "))")
            return nil
        }
        if kind == "expr" {
            guard let expr = f.string("expr", required: true) else { return nil }
            return .expr(expr)
        }
        guard let group = reader.object(groupNode, groupPath, allowed: ["of"]) else { return nil }
        let items = group.list("of")
        if items.isEmpty { reader.problem(at: group.position, "\(kind).of must contain at least 1 item") }
        let children = items.compactMap { match($0.node, $0.path) }
        guard children.count == items.count else { return nil }
        switch kind {
        case "all": return .all(children)
        case "any": return .any(children)
        default: return .none(children)
        }
    }

    func output(_ f: Fields) -> OutputDefinition? {
        guard let (node, path) = f["output"] else { return nil }
        guard let o = reader.object(node, path, allowed: ["expr", "when"]) else { return nil }
        var result = OutputDefinition()
        result.ruleActivated = o.string("expr")
        if let (whenNode, whenPath) = o["when"], let w = reader.object(whenNode, whenPath, allowed: ["ruleActivated", "conditionNotMet"]) {
            if let activated = w.string("ruleActivated") { result.ruleActivated = activated }
            result.conditionNotMet = w.string("conditionNotMet")
        }
        if result.ruleActivated == nil && result.conditionNotMet == nil {
            reader.problem(at: o.position, "output must have at least one expression", kind: .compile)
            return nil
        }
        return result
    }

    private func expressions(_ node: DocumentNode, _ path: String) -> [(String, Located<String>)] {
        var result: [(String, Located<String>)] = []
        for (name, valueNode, valuePath) in reader.map(node, path) ?? [] {
            if let expression = reader.string(valueNode, valuePath) {
                result.append((name, Located(expression, reader.position(valueNode, valuePath))))
            }
        }
        return result
    }

    private func variables(_ f: Fields, legacy: [(String, Located<String>)]) -> VariablesDefinition {
        var result = VariablesDefinition()
        result.local = legacy
        guard let (node, path) = f["variables"], let v = reader.object(node, path, allowed: ["import", "local"]) else { return result }
        result.imports = v.strings("import")
        if let (localNode, localPath) = v["local"] { result.local += expressions(localNode, localPath) }
        for (name, expression) in result.local {
            if let problem = PolicyNames.identifierProblem(name) { reader.problem(at: expression.position, problem, kind: .compile) }
        }
        return result
    }

    private func constants(_ f: Fields) -> ConstantsDefinition {
        var result = ConstantsDefinition()
        guard let (node, path) = f["constants"], let c = reader.object(node, path, allowed: ["import", "local"]) else { return result }
        result.imports = c.strings("import")
        for (name, valueNode, valuePath) in c.map("local") {
            let position = reader.position(valueNode, valuePath)
            if let problem = PolicyNames.identifierProblem(name) { reader.problem(at: position, problem, kind: .compile) }
            result.local.append((name, valueNode.celValue, position))
        }
        return result
    }

    private func schemas(_ f: Fields) -> SchemasDefinition? {
        guard let (node, path) = f["schemas"], let s = reader.object(node, path, allowed: ["principalSchema", "resourceSchema"]) else { return nil }
        func reference(_ name: String) -> SchemaReference? {
            guard let (refNode, refPath) = s[name], let r = reader.object(refNode, refPath, allowed: ["ref", "ignoreWhen"]) else { return nil }
            guard let ref = r.string("ref", required: true) else { return nil }
            var ignored: [String] = []
            if let (ignoreNode, ignorePath) = r["ignoreWhen"], let i = reader.object(ignoreNode, ignorePath, allowed: ["actions"]) {
                ignored = i.strings("actions", required: true).map(\.value)
            }
            return SchemaReference(ref: ref, ignoreWhenActions: ignored)
        }
        return SchemasDefinition(principal: reference("principalSchema"), resource: reference("resourceSchema"))
    }
}

extension String {
    /// `prefix` followed by `number` zero-padded to three digits (`rule-001`).
    init(format3 prefix: String, _ number: Int) {
        self = prefix + (number < 10 ? "00" : number < 100 ? "0" : "") + "\(number)"
    }
}
