import HTTPTypes
import Hummingbird

/// Phase 3: the `Host` check (`server { allowed_hosts }`), CORS (`cors { … }`) and the security headers
/// every response carries. Errors from inner phases are rendered here so they get the same headers (a
/// browser can only read a 401 that carries CORS headers).
struct SecurityHeadersMiddleware: RequestPhase {
    typealias Context = AppRequestContext
    let cors: CORSSettings
    let security: SecuritySettings
    /// Lower-cased once here, not on every request.
    let allowedHosts: [String]
    let renderer: ProblemRenderer
    /// `Host` values already judged, plain ASCII only (where `==` is byte equality): a client sends the
    /// same one on every request.
    private let judgedHosts = BoundedMemo<String, Bool>(capacity: 1024)
    /// The headers every response gets, made once (a field made from text checks every byte of it): those
    /// that replace the handler's, and those that apply only when the handler set none.
    private let replacing: [HTTPField]
    private let defaults: [HTTPField]
    private let varyOrigin = HTTPField(name: .vary, value: "Origin")

    init(cors: CORSSettings, security: SecuritySettings, allowedHosts: [String], renderer: ProblemRenderer) {
        self.cors = cors
        self.security = security
        self.allowedHosts = allowedHosts.map { $0.lowercased() }
        self.renderer = renderer
        var replacing = [
            HTTPField(name: .xContentTypeOptions, value: "nosniff"), HTTPField(name: .xFrameOptions, value: "DENY"),
            HTTPField(name: .referrerPolicy, value: "no-referrer"), HTTPField(name: .crossOriginOpenerPolicy, value: "same-origin"),
        ]
        if security.hstsMaxAge.wholeSeconds > 0 {
            replacing.append(HTTPField(name: .strictTransportSecurity, value: "max-age=\(security.hstsMaxAge.wholeSeconds); includeSubDomains"))
        }
        self.replacing = replacing
        defaults = [HTTPField(name: .contentSecurityPolicy, value: security.contentSecurityPolicy), HTTPField(name: .cacheControl, value: "no-store")]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let origin = request.headers[.origin]
        let originAllowed = origin.map(isAllowed(origin:)) ?? false
        var response: Response
        if let host = request.head.authority, !isAllowedRemembered(host: host) {
            response = renderer.response(for: Problem.badRequest("The Host header '\(host)' is not served here."), request: request, context: context)
        } else if request.method == .options, origin != nil, let requested = request.headers[.accessControlRequestMethod] {
            response = preflight(requestedMethod: requested, originAllowed: originAllowed, request: request, context: context)
        } else {
            do {
                response = try await next(request, context)
            } catch {
                response = renderer.response(for: error, request: request, context: context)
            }
        }
        if let origin, originAllowed {
            response.headers[.accessControlAllowOrigin] = cors.allowsAnyOrigin ? "*" : origin
            if cors.allowCredentials { response.headers[.accessControlAllowCredentials] = "true" }
            if !cors.exposedHeaders.isEmpty { response.headers[.accessControlExposeHeaders] = cors.exposedHeaders.joined(separator: ", ") }
        }
        if !cors.allowsAnyOrigin {
            if response.headers.contains(.vary) { response.headers[values: .vary].append("Origin") } else { response.headers.append(varyOrigin) }
        }
        addSecurityHeaders(&response.headers)
        return response
    }

    private func preflight(requestedMethod: String, originAllowed: Bool, request: Request, context: Context) -> Response {
        guard originAllowed else {
            return renderer.response(for: Problem.forbidden("This origin may not call the API (see cors { allowed_origins })."), request: request, context: context)
        }
        guard cors.allowedMethods.contains(where: { $0.caseInsensitiveCompare(requestedMethod) == .orderedSame }) else {
            return renderer.response(for: Problem.forbidden("Cross-origin \(requestedMethod) requests are not allowed."), request: request, context: context)
        }
        var headers = HTTPFields()
        headers[.accessControlAllowMethods] = cors.allowedMethods.joined(separator: ", ")
        headers[.accessControlAllowHeaders] = cors.allowedHeaders.joined(separator: ", ")
        headers[.accessControlMaxAge] = String(cors.maxAge.wholeSeconds)
        headers[values: .vary].append("Access-Control-Request-Method")
        headers[values: .vary].append("Access-Control-Request-Headers")
        return Response(status: .noContent, headers: headers)
    }

    private func addSecurityHeaders(_ headers: inout HTTPFields) {
        for field in replacing {
            if headers.contains(field.name) { headers[fields: field.name] = [field] } else { headers.append(field) }
        }
        for field in defaults where !headers.contains(field.name) { headers.append(field) }
    }

    private func isAllowed(origin: String) -> Bool {
        cors.allowsAnyOrigin || cors.allowedOrigins.contains { $0.caseInsensitiveCompare(origin) == .orderedSame }
    }

    private func isAllowedRemembered(host: String) -> Bool {
        // No longer than a DNS name with a port: the memo never holds a client's 80 KB header.
        guard host.utf8.count <= 261, host.comparesExactly else { return isAllowed(host: host) }
        if let known = judgedHosts[host] { return known }
        let allowed = isAllowed(host: host)
        judgedHosts.remember(allowed, for: host)
        return allowed
    }

    /// Django's rules: exact names, `*`, or `.example.com` for the domain and its subdomains; the port is ignored.
    func isAllowed(host: String) -> Bool {
        var name = Substring(host.lowercased())
        if name.hasPrefix("[") {
            name = name.dropFirst().prefix(while: { $0 != "]" })
        } else if let colon = name.lastIndex(of: ":"), name.firstIndex(of: ":") == colon {
            name = name[..<colon]
        }
        if name.hasSuffix(".") { name = name.dropLast() }
        return allowedHosts.contains { pattern in
            if pattern == "*" { return true }
            if pattern.hasPrefix(".") { return name == pattern.dropFirst() || name.hasSuffix(pattern) }
            return name == pattern
        }
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let crossOriginOpenerPolicy = Self("Cross-Origin-Opener-Policy")!
}
