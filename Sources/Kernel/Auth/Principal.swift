/// Who is making a request, as the authentication phase established it.
///
/// Authenticators (auth.local, auth.keycloak) produce it from a token; the authorization phase turns it
/// into the policy engine's principal.
public struct Principal: Sendable, Hashable {
    /// Stable user id (the token's `sub`, mapped to the local user).
    public var id: String
    /// Platform roles (`platform_admin`, `user`, …).
    public var roles: [String]
    /// Claims and attributes the policies may read (`email`, `org_id`, `team_ids`, …).
    public var attributes: [String: JSONValue]
    /// Which authenticator accepted the credentials.
    public var authenticator: String
    /// The platform admin acting as this user (an impersonation token's RFC 8693 `act.sub`); every
    /// request made so is marked in the logs and in the events it emits.
    public var impersonatorID: String?

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
