import Hummingbird
import Logging

/// Turns any error into the problem+json response the client sees. Only `Problem`s and Hummingbird's
/// own HTTP errors say what went wrong; anything else is a 500 that reveals nothing but the request id
/// (and, with `security { debug on }`, the error itself), and is logged.
public struct ProblemRenderer: Sendable {
    public let debug: Bool

    public init(debug: Bool) { self.debug = debug }

    public func response(for error: any Error, request: Request, context: AppRequestContext) -> Response {
        problem(for: error, request: request, context: context).response(instance: request.uri.path, requestID: context.requestID)
    }

    func problem(for error: any Error, request: Request, context: AppRequestContext) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return .notFound("No route matches \(request.method.rawValue) \(request.uri.path).")
            case .contentTooLarge:
                return .contentTooLarge(limit: context.maxUploadSize)
            default:
                return Problem(status: error.status, detail: error.body, headers: error.headers)
            }
        case let error as any HTTPResponseError where error.status.code < 500:
            return Problem(status: error.status)
        default:
            context.logger.error("unhandled error", metadata: ["error": .string(String(reflecting: error)), "error_type": .string("\(type(of: error))")])
            return .internalError(requestID: context.requestID, debugDetail: debug ? String(reflecting: error) : nil)
        }
    }
}
