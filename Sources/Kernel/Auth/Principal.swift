/// Who is making a request, as the authentication phase established it.
///
/// Authenticators (auth.local, auth.keycloak) produce it from a token; the authorization phase turns it
/// into the policy engine's principal.
public struct Principal: Sendable, Hashable {
    /// Stable user id (the token's `sub`, mapped to the local user).
    public var id: String { didSet { derived = nil } }
    /// Platform roles (`platform_admin`, `user`, …).
    public var roles: [String] { didSet { derived = nil } }
    /// Claims and attributes the policies may read (`email`, `org_id`, `team_ids`, …).
    public var attributes: [String: JSONValue] { didSet { derived = nil } }
    /// Which authenticator accepted the credentials.
    public var authenticator: String { didSet { derived = nil } }
    /// The platform admin acting as this user (an impersonation token's RFC 8693 `act.sub`); every
    /// request made so is marked in the logs and in the events it emits.
    public var impersonatorID: String? { didSet { derived = nil } }
    /// What is made from this principal and kept with it (its view for the policies), for a principal a
    /// cache hands out to many requests (`remembered()`). Not part of its value: equality and hashing
    /// ignore it, and changing any field drops it.
    private(set) var derived: PrincipalDerivations?

    /// This principal, marked as one a cache hands out to many requests: what the Kernel makes from it
    /// (its view for the policies) is then made once and kept with it, rather than looked up by its value
    /// on every request. For plugins that remember principals (token caches, an enricher's memo); the
    /// Kernel marks any other when a request takes it on, so its view is made once per request.
    public func remembered() -> Principal {
        var copy = self
        copy.derived = PrincipalDerivations()
        return copy
    }

    /// Whether this principal was marked by `remembered()`.
    var isRemembered: Bool { derived != nil }

    /// For a remembered principal: the principal `make` returns for `key`, made once and kept with this
    /// principal (for its last few keys). `key` is compared by identity and kept alive by the entry, so it
    /// must be an object that stands for what `make` adds (a new object when that changes). For a principal
    /// that is not remembered, `make` runs every time. An enricher uses it to add the same attributes to the
    /// same cached principal without comparing either.
    public func derivedPrincipal(for key: AnyObject & Sendable, make: () throws -> Principal) rethrows -> Principal {
        guard let derived else { return try make() }
        if let known = derived.principals.withLock({ entries in entries.first { $0.key === key }?.principal }) { return known }
        let made = try make()
        derived.principals.withLock { entries in
            if entries.count >= PrincipalDerivations.keptPrincipals { entries.removeFirst() }
            entries.append((key, made))
        }
        return made
    }

    public static func == (a: Principal, b: Principal) -> Bool {
        a.id == b.id && a.roles == b.roles && a.attributes == b.attributes && a.authenticator == b.authenticator
            && a.impersonatorID == b.impersonatorID
    }

    public init(id: String, roles: [String], attributes: [String: JSONValue] = [:], authenticator: String, impersonatorID: String? = nil) {
        self.id = id
        self.roles = roles
        self.attributes = attributes
        self.authenticator = authenticator
        self.impersonatorID = impersonatorID
    }

    /// Hashes what tells principals apart in practice (who, with which roles, acting in which org) rather
    /// than every claim; equality compares everything, at once when the attributes are the same storage,
    /// as a cached principal's are.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(roles)
        hasher.combine(attributes.count)
        hasher.combine(attributes["org_id"])
        hasher.combine(attributes["sid"])
    }
}

/// Turns a request's credentials into a `Principal`. Plugins contribute authenticators; the Kernel tries
/// them in plugin order during the authentication phase.
public protocol Authenticator: Sendable {
    /// Names the authenticator in logs.
    var name: String { get }
    /// `nil` when the request carries no credentials this authenticator understands; a principal when they
    /// are valid; throws a `Problem` (401) when they are its kind but invalid.
    func authenticate(_ request: RequestHead, context: AppRequestContext) async throws -> Principal?
}

import Hummingbird
/// The parts of a request an authenticator may look at (never the body).
public typealias RequestHead = Request

/// Adds what the authenticated identity alone does not carry — the organization the request acts in, the
/// principal's roles there and in its teams, the license tier and features — before anything is
/// authorized. One plugin (tenancy) registers it under `(any PrincipalEnricher).self`.
public protocol PrincipalEnricher: Sendable {
    func enrich(_ principal: Principal, request: RequestHead, context: AppRequestContext) async throws -> Principal
}
