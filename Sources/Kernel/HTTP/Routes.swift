import HTTPTypes
import Hummingbird

/// A route as registered, for the OpenAPI document, the 405 answers and `lintel plugins`.
public struct RouteEntry: Sendable {
    /// `kernel` or the plugin id.
    public let owner: String
    public let method: HTTPRequest.Method
    /// The full path template, e.g. `/api/v1/orgs/{id}`.
    public let path: String
    public let operation: Operation
}

/// The routes one plugin (or the Kernel) contributes, mounted at the plugin's prefix, where every route
/// states its access rule and documents itself. `Kernel.makeApplication` puts them in one `RouteTable`.
public final class Routes: @unchecked Sendable {
    public let owner: String
    public let prefix: String
    public private(set) var entries: [RouteEntry] = []
    /// Each entry's handler, in the same order as `entries`.
    private(set) var handlers: [@Sendable (Request, AppRequestContext) async throws -> Response] = []

    init(owner: String, prefix: String) {
        self.owner = owner
        self.prefix = Self.normalize(prefix)
    }

    /// Adds a route. `path` is relative to the prefix; `{name}` segments are parameters.
    @discardableResult
    public func on<Output: ResponseGenerator>(_ method: HTTPRequest.Method, _ path: String, _ operation: Operation,
                                              handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Output) -> Self {
        let full = Self.normalize(prefix + "/" + path)
        entries.append(RouteEntry(owner: owner, method: method, path: full.isEmpty ? "/" : full, operation: operation))
        let access = operation.access
        let routeName = "\(method.rawValue) \(full.isEmpty ? "/" : full)"
        handlers.append({ request, context -> Response in
            switch access {
            case .public:
                return try await handler(request, context).response(from: request, context: context)
            case .signedIn:
                guard context.principal != nil else { throw Problem.unauthorized() }
                return try await handler(request, context).response(from: request, context: context)
            case .authenticated:
                guard context.principal != nil else { throw Problem.unauthorized() }
                var context = context
                let trail = AuthorizationTrail()
                context.authorizationTrail = trail
                let response = try await handler(request, context).response(from: request, context: context)
                guard trail.sawAllow else {
                    context.logger.error("route answered without an authorization decision; denied", metadata: ["route": .string(routeName)])
                    throw Problem.forbidden()
                }
                return response
            }
        })
        return self
    }

    @discardableResult
    public func get<Output: ResponseGenerator>(_ path: String, _ operation: Operation, handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Output) -> Self {
        on(.get, path, operation, handler: handler)
    }

    @discardableResult
    public func post<Output: ResponseGenerator>(_ path: String, _ operation: Operation, handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Output) -> Self {
        on(.post, path, operation, handler: handler)
    }

    @discardableResult
    public func put<Output: ResponseGenerator>(_ path: String, _ operation: Operation, handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Output) -> Self {
        on(.put, path, operation, handler: handler)
    }

    @discardableResult
    public func patch<Output: ResponseGenerator>(_ path: String, _ operation: Operation, handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Output) -> Self {
        on(.patch, path, operation, handler: handler)
    }

    @discardableResult
    public func delete<Output: ResponseGenerator>(_ path: String, _ operation: Operation, handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Output) -> Self {
        on(.delete, path, operation, handler: handler)
    }

    /// `/a/b` form: one leading slash, no trailing slash, no doubled slashes.
    static func normalize(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return parts.isEmpty ? "" : "/" + parts.joined(separator: "/")
    }
}
