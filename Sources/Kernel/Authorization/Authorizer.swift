/// What an action is taken on, as the policy engine sees it: a kind (`organization`, `job`), an id, and
/// attributes the policies read (`org_id`, `owner_id`, …).
public struct ResourceRef: Sendable {
    public var kind: String
    public var id: String
    public var attributes: [String: JSONValue]
    /// Whether a denial should answer 404 rather than 403 when the principal may not even `read` the
    /// resource, so that a client cannot learn that something exists in another tenant. On by default for
    /// a specific resource (an id other than `*`).
    public var concealsExistence: Bool
    /// A resource whose `read` decides between 403 and 404 instead of this one's (`visible(through:)`).
    public var visibleThrough: ResourceRef? {
        get { probe.first }
        set { probe = newValue.map { [$0] } ?? [] }
    }
    private var probe: [ResourceRef] = []

    public init(kind: String, id: String = "*", attributes: [String: JSONValue] = [:], concealsExistence: Bool? = nil) {
        self.kind = kind
        self.id = id
        self.attributes = attributes
        self.concealsExistence = concealsExistence ?? (id != "*")
    }

    /// This resource, denied with 404 only when the principal may not `read` `parent` either (a member of
    /// an org who may not see its license gets 403; a stranger to the org, 404). The parent is asked only
    /// after a denial, so an allowed request costs one decision.
    public func visible(through parent: ResourceRef) -> ResourceRef {
        var copy = self
        copy.visibleThrough = parent
        copy.concealsExistence = false
        return copy
    }
}

/// The answer for one action.
public struct AuthorizationDecision: Sendable, Hashable {
    public var action: String
    public var allowed: Bool
    /// The policy that decided (`resource.team.vdefault`), `NO_MATCH`, or why there was no decision.
    public var policy: String
    /// The scope the deciding rule lives in; empty for the root scope.
    public var scope: String

    public init(action: String, allowed: Bool, policy: String, scope: String = "") {
        self.action = action
        self.allowed = allowed
        self.policy = policy
        self.scope = scope
    }
}

/// The decision point behind `context.authorize`: the embedded policy engine or a remote Cerbos. Every
/// failure denies (fail closed); an authorizer never turns an error into an allow.
public protocol Authorizer: Sendable {
    /// One decision per action, in the order asked.
    func decide(_ principal: PolicyPrincipal, actions: [String], on resource: ResourceRef) async -> [AuthorizationDecision]
}
