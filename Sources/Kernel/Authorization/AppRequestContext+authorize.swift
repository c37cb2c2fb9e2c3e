import Synchronization

/// Whether the handler of an `.authenticated` route obtained an allow from the decision point; the route
/// wrapper refuses to answer for a handler that never asked.
final class AuthorizationTrail: Sendable {
    private let allowed = Atomic<Bool>(false)
    var sawAllow: Bool { allowed.load(ordering: .relaxed) }
    func recordAllow() { allowed.store(true, ordering: .relaxed) }
}

extension AppRequestContext {
    /// The one way a handler authorizes an action: returns when the policies allow it, otherwise throws
    ///
    /// - 401 when the request is anonymous,
    /// - 404 when `resource.concealsExistence` and the principal may not even `read` it, so nothing about
    ///   another tenant's resources leaks,
    /// - 403 otherwise.
    public func authorize(_ action: String, on resource: ResourceRef) async throws {
        guard let principal else { throw Problem.unauthorized() }
        guard let authorization else { throw Problem.forbidden(Self.denial(action, resource)) }
        let probe = resource.concealsExistence && action != "read"
        let answers = await authorization.decide(policyPrincipal ?? PolicyPrincipal(principal), actions: probe ? [action, "read"] : [action], on: resource,
                                                 requestID: requestID, recorded: 1, origin: eventOrigin)
        if answers.first?.allowed == true {
            authorizationTrail?.recordAllow()
            return
        }
        if let parent = resource.visibleThrough {
            let seen = await authorization.decide(policyPrincipal ?? PolicyPrincipal(principal), actions: ["read"], on: parent, requestID: requestID, recorded: 0)
            if seen.first?.allowed != true {
                throw Problem.notFound("No \(parent.kind.replacingOccurrences(of: "_", with: " ")) with id '\(parent.id)' exists.")
            }
            throw Problem.forbidden(Self.denial(action, resource))
        }
        let mayRead = probe ? answers.last?.allowed == true : !resource.concealsExistence
        if !mayRead {
            throw Problem.notFound("No \(resource.kind.replacingOccurrences(of: "_", with: " ")) with id '\(resource.id)' exists.")
        }
        throw Problem.forbidden(Self.denial(action, resource))
    }

    /// The subset of `actions` the principal may take on `resource`, for shaping a response (which rows of
    /// a list to show, which buttons to offer). Anonymous requests may take none. Does not count as
    /// authorizing the request.
    public func permitted(_ actions: [String], on resource: ResourceRef) async -> Set<String> {
        guard let principal, let authorization, !actions.isEmpty else { return [] }
        let answers = await authorization.decide(policyPrincipal ?? PolicyPrincipal(principal), actions: actions, on: resource, requestID: requestID)
        return Set(answers.filter(\.allowed).map(\.action))
    }

    static func denial(_ action: String, _ resource: ResourceRef) -> String {
        "You may not \(action.replacingOccurrences(of: "_", with: " ")) this \(resource.kind.replacingOccurrences(of: "_", with: " "))."
    }
}
