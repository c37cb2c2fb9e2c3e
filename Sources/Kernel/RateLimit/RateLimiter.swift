import Foundation
import HTTPTypes
import Hummingbird

/// Per-organization limits, provided by the plugin that knows organizations (tenancy: license tiers).
public protocol OrganizationRateLimits: Sendable {
    /// The limit for requests acting in `orgID`, or `nil` for none.
    func limit(forOrganization orgID: String) async throws -> RateLimit?
}

/// Applies the configured limits and turns decisions into headers and 429 problems.
public final class RateLimiter: Sendable {
    let settings: RateLimitSettings
    let store: any RateLimitStore
    let organizations: (any OrganizationRateLimits)?
    /// `"GET /healthz"` style keys of routes that are never limited (probes, metrics).
    let exempt: Set<String>

    init(settings: RateLimitSettings, store: any RateLimitStore, organizations: (any OrganizationRateLimits)?, exempt: Set<String>) {
        self.settings = settings
        self.store = store
        self.organizations = organizations
        self.exempt = exempt
    }

    func isExempt(_ request: Request, context: AppRequestContext) -> Bool {
        !settings.enabled || exempt.contains("\(request.method.rawValue) \(context.endpointPath ?? "")")
    }

    /// Throws 429 if one more request under `key` would be refused (charges nothing).
    func check(_ key: String, limit: RateLimit) async throws {
        guard !limit.isOff else { return }
        let decision = try await store.peek(key: key, limit: limit, now: Date().timeIntervalSince1970)
        if !decision.allowed { throw Self.tooManyRequests(decision, key: key) }
    }

    /// Charges each (key, limit) pair; returns the most restrictive decision, or throws 429.
    func charge(_ charges: [(key: String, limit: RateLimit)], cost: Int = 1) async throws -> RateLimitDecision? {
        let now = Date().timeIntervalSince1970
        var tightest: RateLimitDecision?
        for (key, limit) in charges where !limit.isOff {
            let decision = try await store.charge(key: key, limit: limit, cost: cost, now: now)
            if !decision.allowed { throw Self.tooManyRequests(decision, key: key) }
            if tightest == nil || decision.remaining < tightest!.remaining { tightest = decision }
        }
        return tightest
    }

    static func tooManyRequests(_ decision: RateLimitDecision, key: String) -> Problem {
        let retry = Int(decision.retryAfter.rounded(.up))
        var problem = Problem(status: .tooManyRequests, type: Problem.typeURI("rate-limited"), title: "Too Many Requests",
                              detail: "Rate limit of \(decision.limit) requests exceeded for this \(key.split(separator: ":").first ?? "client"); retry in \(max(1, retry)) s.")
        problem.headers[.retryAfter] = String(max(1, retry))
        apply(decision, to: &problem.headers)
        return problem
    }

    static func apply(_ decision: RateLimitDecision, to headers: inout HTTPFields) {
        headers[HTTPField.Name("RateLimit-Limit")!] = String(decision.limit)
        headers[HTTPField.Name("RateLimit-Remaining")!] = String(decision.remaining)
        headers[HTTPField.Name("RateLimit-Reset")!] = String(Int(decision.resetAfter.rounded(.up)))
    }
}

/// Rate limit before authentication: the global limit, the anonymous limit by client IP for requests
/// without credentials, and — so tokens cannot be guessed cheaply — failed authentications by client IP.
struct AnonymousRateLimitMiddleware: RequestPhase {
    typealias Context = AppRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !limiter.isExempt(request, context: context) else { return try await next(request, context) }
        let settings = limiter.settings
        var context = context
        context.clientAddress = ClientAddress.resolve(request, peer: context.remoteAddress, trusted: settings.trustedProxies)
        let ip = context.clientAddress
        let hasCredentials = request.headers.contains(.authorization)
        var charges: [(String, RateLimit)] = [("global", settings.global)]
        // Credentialed requests are limited by principal after authentication; failures are charged below.
        charges.append((hasCredentials ? "auth-failure:\(ip)" : "ip:\(ip)", settings.anonymous))
        let decision: RateLimitDecision?
        if hasCredentials {
            // Check the failure budget without spending it: only failures spend it.
            decision = try await limiter.charge([charges[0]])
            try await limiter.check(charges[1].0, limit: charges[1].1)
        } else {
            decision = try await limiter.charge(charges)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let problem as Problem where problem.status == .unauthorized && hasCredentials {
            _ = try? await limiter.charge([charges[1]])
            throw problem
        }
        if let decision, response.headers[HTTPField.Name("RateLimit-Limit")!] == nil {
            RateLimiter.apply(decision, to: &response.headers)
        }
        return response
    }
}

/// Rate limit after authentication: by principal, and by organization when a plugin provides org limits.
struct PrincipalRateLimitMiddleware: RequestPhase {
    typealias Context = AppRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let principal = context.principal, !limiter.isExempt(request, context: context) else { return try await next(request, context) }
        var charges: [(key: String, limit: RateLimit)] = [("user:\(principal.id)", limiter.settings.user)]
        if let orgID = context.tenant?.orgID, let organizations = limiter.organizations, let limit = try await organizations.limit(forOrganization: orgID) {
            charges.append(("org:\(orgID)", limit))
        }
        let decision = try await limiter.charge(charges)
        var response = try await next(request, context)
        if let decision { RateLimiter.apply(decision, to: &response.headers) }
        return response
    }
}
