/// What an action is taken on, as the policy engine sees it: a kind (`organization`, `job`), an id, and
/// attributes the policies read (`org_id`, `owner_id`, …).
public struct ResourceRef: Sendable {
    public var kind: String
    public var id: String
    public var attributes: [String: JSONValue]

    public init(kind: String, id: String = "*", attributes: [String: JSONValue] = [:]) {
        self.kind = kind
        self.id = id
        self.attributes = attributes
    }
}

/// The decision point behind `context.authorize`. The Kernel denies everything until a policy engine is
/// configured: a missing decision point never turns into an allow.
public protocol Authorizer: Sendable {
    /// Whether `principal` may take `action` on `resource`.
    func isAllowed(_ principal: Principal, action: String, on resource: ResourceRef) async throws -> Bool
}

/// Denies every action: the Kernel's answer until an engine is configured.
public struct DenyAllAuthorizer: Authorizer {
    public init() {}
    public func isAllowed(_ principal: Principal, action: String, on resource: ResourceRef) async throws -> Bool { false }
}

extension AppRequestContext {
    /// The one way a handler authorizes: 401 without a principal, 403 unless the decision point allows.
    public func authorize(_ action: String, on resource: ResourceRef) async throws {
        guard let principal else { throw Problem.unauthorized() }
        let allowed = try await (authorizer ?? DenyAllAuthorizer()).isAllowed(principal, action: action, on: resource)
        guard allowed else {
            throw Problem.forbidden("You may not \(action) this \(resource.kind.replacingOccurrences(of: "_", with: " ")).")
        }
    }
}
