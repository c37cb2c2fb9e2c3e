import HTTPTypes
import Hummingbird

/// One of the Kernel's request phases (request id, access log, security headers, rate limits,
/// authentication), run in order around every route by `KernelResponder`.
protocol RequestPhase: Sendable {
    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response
}

/// The server's responder: finds the route in a `RouteTable`, then runs the route's handler behind the
/// Kernel's middleware phases. A path without a route, or without the method, runs the same phases
/// around a 404 (the 405 answers are routes of their own). `HEAD` runs the `GET` route and drops the body.
/// The phases see the route's template (`context.endpointPath`) and its parameters.
public struct KernelResponder: HTTPResponder {
    public typealias Context = AppRequestContext
    typealias Handler = @Sendable (Request, AppRequestContext) async throws -> Response
    typealias Middleware = any RequestPhase
    /// A handler and where it answers: the method and the full template.
    typealias Route = (method: HTTPRequest.Method, template: String, handler: Handler)

    struct Endpoint: Sendable {
        let template: String
        var methods: [HTTPRequest.Method: Handler] = [:]
    }

    private let table: RouteTable<Endpoint>
    private let notFound: Handler

    /// Each route's handler runs behind `middlewares`, in order.
    init(routes: [Route], middlewares: [Middleware]) {
        var table = RouteTable<Endpoint>()
        for route in routes {
            let handler = Self.chain(middlewares, route.handler)
            table.update(route.template, make: { Endpoint(template: route.template) }) { endpoint in
                precondition(endpoint.methods[route.method] == nil, "\(route.method.rawValue) \(route.template) has two handlers")
                endpoint.methods[route.method] = handler
            }
        }
        table.updateAll { endpoint in
            guard endpoint.methods[.head] == nil, let get = endpoint.methods[.get] else { return }
            endpoint.methods[.head] = { request, context in try await get(request, context).createHeadResponse() }
        }
        self.table = table
        notFound = Self.chain(middlewares) { _, context in
            context.coreContext.endpointPath.value = "NotFound"
            throw HTTPError(.notFound)
        }
    }

    /// `handler` behind `middlewares`, the first outermost.
    private static func chain(_ middlewares: [Middleware], _ handler: @escaping Handler) -> Handler {
        var next = handler
        for middleware in middlewares.reversed() {
            let inner = next
            next = { request, context in try await middleware.handle(request, context: context, next: inner) }
        }
        return next
    }

    @concurrent public func respond(to request: Request, context: AppRequestContext) async throws -> Response {
        do {
            guard let (endpoint, parameters) = table.resolve(request.uri.path), let handler = endpoint.methods[request.method] else {
                return try await notFound(request, context)
            }
            var context = context
            context.parameters = parameters
            context.coreContext.endpointPath.value = endpoint.template
            return try await handler(request, context)
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        }
    }
}
