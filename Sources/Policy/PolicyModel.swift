import CEL

/// The effect of a rule and of a decision.
public enum Effect: String, Sendable, Hashable {
    case allow = "EFFECT_ALLOW"
    case deny = "EFFECT_DENY"
}

/// How a scoped policy combines with the policies of its parent scopes.
public enum ScopePermissions: String, Sendable, Hashable {
    /// An ALLOW or DENY in this scope decides; parents are consulted only when nothing here matched.
    case overrideParent = "SCOPE_PERMISSIONS_OVERRIDE_PARENT"
    /// An ALLOW here also needs an ALLOW from a parent scope; a conditional ALLOW whose condition fails denies.
    case requireParentalConsentForAllows = "SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS"
}

/// A condition: a CEL expression, or `all`/`any`/`none` of nested conditions.
indirect enum MatchDefinition: Sendable {
    case expr(Located<String>)
    case all([MatchDefinition])
    case any([MatchDefinition])
    case none([MatchDefinition])
}

struct OutputDefinition: Sendable {
    var ruleActivated: Located<String>?
    var conditionNotMet: Located<String>?
}

struct VariablesDefinition: Sendable {
    var imports: [Located<String>] = []
    var local: [(name: String, expression: Located<String>)] = []
}

struct ConstantsDefinition: Sendable {
    var imports: [Located<String>] = []
    var local: [(name: String, value: CELValue, position: SourcePosition)] = []
}

struct SchemaReference: Sendable {
    var ref: Located<String>
    var ignoreWhenActions: [String]
}

struct SchemasDefinition: Sendable {
    var principal: SchemaReference?
    var resource: SchemaReference?
}

struct ResourceRuleDefinition: Sendable {
    var name: String
    var position: SourcePosition
    var actions: [Located<String>]
    var effect: Effect
    var roles: [Located<String>]
    var derivedRoles: [Located<String>]
    var condition: MatchDefinition?
    var output: OutputDefinition?
}

struct ResourcePolicyDefinition: Sendable {
    var resource: Located<String>
    var version: String
    var scope: String
    var scopePermissions: ScopePermissions?
    var importDerivedRoles: [Located<String>]
    var variables: VariablesDefinition
    var constants: ConstantsDefinition
    var schemas: SchemasDefinition?
    var rules: [ResourceRuleDefinition]
}

struct DerivedRoleDefinition: Sendable {
    var name: String
    var position: SourcePosition
    var parentRoles: [Located<String>]
    var condition: MatchDefinition?
}

struct DerivedRolesDefinition: Sendable {
    var name: Located<String>
    var variables: VariablesDefinition
    var constants: ConstantsDefinition
    var definitions: [DerivedRoleDefinition]
}

struct PrincipalActionDefinition: Sendable {
    var name: String
    var position: SourcePosition
    var action: Located<String>
    var effect: Effect
    var condition: MatchDefinition?
    var output: OutputDefinition?
}

struct PrincipalRuleDefinition: Sendable {
    var resource: Located<String>
    var actions: [PrincipalActionDefinition]
}

struct PrincipalPolicyDefinition: Sendable {
    var principal: Located<String>
    var version: String
    var scope: String
    var scopePermissions: ScopePermissions?
    var variables: VariablesDefinition
    var constants: ConstantsDefinition
    var rules: [PrincipalRuleDefinition]
}

struct RoleRuleDefinition: Sendable {
    var name: String
    var position: SourcePosition
    var resource: Located<String>
    var allowActions: [Located<String>]
    var condition: MatchDefinition?
    var output: OutputDefinition?
}

struct RolePolicyDefinition: Sendable {
    var role: Located<String>
    var version: String
    var scope: String
    var parentRoles: [Located<String>]
    var variables: VariablesDefinition
    var constants: ConstantsDefinition
    var rules: [RoleRuleDefinition]
}

struct ExportVariablesDefinition: Sendable {
    var name: Located<String>
    var definitions: [(name: String, expression: Located<String>)]
}

struct ExportConstantsDefinition: Sendable {
    var name: Located<String>
    var definitions: [(name: String, value: CELValue, position: SourcePosition)]
}

enum PolicyBody: Sendable {
    case resource(ResourcePolicyDefinition)
    case derivedRoles(DerivedRolesDefinition)
    case principal(PrincipalPolicyDefinition)
    case role(RolePolicyDefinition)
    case exportVariables(ExportVariablesDefinition)
    case exportConstants(ExportConstantsDefinition)
}

/// One policy as written in a file.
struct PolicyDocument: Sendable {
    var file: String
    var position: SourcePosition
    var disabled: Bool
    var body: PolicyBody

    /// The policy's identity (`resource.leave_request.vdefault/acme`), unique across a policy set.
    var key: String {
        switch body {
        case .resource(let p): return PolicyNames.resourceKey(kind: p.resource.value, version: p.version, scope: p.scope)
        case .principal(let p): return PolicyNames.principalKey(id: p.principal.value, version: p.version, scope: p.scope)
        case .role(let p): return PolicyNames.roleKey(role: p.role.value, version: p.version, scope: p.scope)
        case .derivedRoles(let p): return "derived_roles.\(p.name.value)"
        case .exportVariables(let p): return "export_variables.\(p.name.value)"
        case .exportConstants(let p): return "export_constants.\(p.name.value)"
        }
    }
}
