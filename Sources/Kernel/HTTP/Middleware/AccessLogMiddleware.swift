import Hummingbird
import Logging
import Metrics
import NIOCore

/// Phase 2: one JSON access-log line per request (method, route template, status, duration, client,
/// request id) and the `http_requests_total` / `http_request_duration_seconds` metrics by route template.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let accessLog: Bool
    let renderer: ProblemRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let inFlight = Meter(label: "http_requests_in_flight")
        inFlight.increment()
        defer { inFlight.decrement() }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = renderer.response(for: error, request: request, context: context)
        }
        let elapsed = ContinuousClock.now - started
        let route = context.endpointPath.map { $0 == "NotFound" ? "unmatched" : $0 } ?? "unmatched"
        let status = String(response.status.code)
        Counter(label: "http_requests_total", dimensions: [("method", request.method.rawValue), ("route", route), ("status", status)]).increment()
        Metrics.Timer(label: "http_request_duration_seconds", dimensions: [("method", request.method.rawValue), ("route", route)],
                      preferredDisplayUnit: .seconds).recordNanoseconds(elapsed.nanoseconds)
        if accessLog {
            context.logger.info("request", metadata: [
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "route": .string(route),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.3f", Double(elapsed.nanoseconds) / 1_000_000)),
                "client": .string(context.remoteAddress?.ipAddress ?? "-"),
            ])
        }
        return response
    }
}

extension Swift.Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}

import Foundation
