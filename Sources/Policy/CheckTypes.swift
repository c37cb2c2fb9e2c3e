import CEL

/// Who asks: the request's principal.
public struct CheckPrincipal: Sendable {
    public var id: String
    public var roles: [String]
    /// Attribute values with JSON semantics (numbers are doubles).
    public var attributes: CELMap
    /// Empty: the engine's default version.
    public var policyVersion: String
    /// Empty: the engine's default scope.
    public var scope: String

    public init(id: String, roles: [String], attributes: CELMap = CELMap(), policyVersion: String = "", scope: String = "") {
        self.id = id
        self.roles = roles
        self.attributes = attributes
        self.policyVersion = policyVersion
        self.scope = scope
    }
}

/// What is acted on.
public struct CheckResource: Sendable {
    public var kind: String
    public var id: String
    public var attributes: CELMap
    public var policyVersion: String
    public var scope: String

    public init(kind: String, id: String, attributes: CELMap = CELMap(), policyVersion: String = "", scope: String = "") {
        self.kind = kind
        self.id = id
        self.attributes = attributes
        self.policyVersion = policyVersion
        self.scope = scope
    }
}

/// How a check is evaluated.
public struct CheckOptions: Sendable {
    public enum SchemaEnforcement: String, Sendable, CaseIterable {
        /// Schemas are not consulted.
        case none
        /// Violations are reported with the result; the decision is made as usual.
        case warn
        /// Violations are reported and every action is denied.
        case reject
    }

    /// The version used when a request names none.
    public var defaultPolicyVersion = "default"
    /// The scope used when a request names none.
    public var defaultScope = ""
    /// Whether a request for a scope without a policy falls back to the nearest ancestor that has one.
    public var lenientScopeSearch = false
    /// Whether a condition that fails to evaluate denies the action at once (instead of counting as false).
    public var strictEvaluation = false
    /// Values of `G.name` / `globals.name`.
    public var globals = CELMap()
    public var schemaEnforcement = SchemaEnforcement.none

    public init() {}
}

/// The decision for one action.
public struct ActionDecision: Sendable, Hashable {
    public var action: String
    public var effect: Effect
    /// The policy that decided (`resource.album.vdefault/acme`), or `NO_MATCH`.
    public var policy: String
    /// The scope of the rule that decided; empty for the root scope or when nothing matched.
    public var scope: String
}

/// An output a rule produced.
public struct RuleOutput: Sendable {
    /// `<policy key>#<rule name>`.
    public var source: String
    public var action: String
    /// The value, or `nil` when the output expression failed (see `error`).
    public var value: CELValue?
    public var error: String?
}

/// An attribute that does not satisfy the policy's schema.
public struct ValidationError: Sendable, Hashable {
    public enum Source: String, Sendable { case principal = "SOURCE_PRINCIPAL", resource = "SOURCE_RESOURCE" }
    /// JSON pointer into the attributes (`/department`).
    public var path: String
    public var message: String
    public var source: Source
}

/// Everything a check decided about one resource.
public struct CheckResult: Sendable {
    /// In the order the actions were asked.
    public var actions: [ActionDecision]
    /// The derived roles the principal held for this resource, sorted.
    public var effectiveDerivedRoles: [String]
    public var outputs: [RuleOutput]
    public var validationErrors: [ValidationError]
    /// Conditions that failed to evaluate (and counted as not met): for the decision log, never the API.
    public var evaluationErrors: [String]
    /// Whether some expression read the clock (`now()`, `timeSince()`).
    public var readClock: Bool

    public func effect(_ action: String) -> Effect {
        actions.first { $0.action == action }?.effect ?? .deny
    }

    public func isAllowed(_ action: String) -> Bool { effect(action) == .allow }
}
