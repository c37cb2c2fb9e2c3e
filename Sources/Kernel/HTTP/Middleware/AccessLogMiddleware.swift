import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Synchronization

/// Phase 2: one JSON access-log line per request (method, route template, status, duration, client,
/// request id) and the `http_requests_total` / `http_request_duration_seconds` metrics by route template.
struct AccessLogMiddleware: RequestPhase {
    typealias Context = AppRequestContext
    let accessLog: Bool
    let renderer: ProblemRenderer
    let instruments = HTTPInstruments()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        instruments.inFlight.increment()
        defer { instruments.inFlight.decrement() }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = renderer.response(for: error, request: request, context: context)
        }
        let elapsed = ContinuousClock.now - started
        let route = context.endpointPath.map { $0 == "NotFound" ? "unmatched" : $0 } ?? "unmatched"
        let (counter, timer) = instruments.handles(method: request.method.rawValue, route: route, status: response.status.code)
        counter.increment()
        timer.recordNanoseconds(elapsed.nanoseconds)
        if accessLog {
            context.logger.info("request", metadata: [
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "route": .string(route),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.3f", Double(elapsed.nanoseconds) / 1_000_000)),
                "client": .string(context.clientAddress),
            ])
        }
        return response
    }
}

/// The HTTP metric handles, created once per (method, route, status) rather than looked up per request.
final class HTTPInstruments: Sendable {
    let inFlight = Meter(label: "http_requests_in_flight")
    private struct Key: Hashable {
        let method: String
        let route: String
        let status: Int
    }
    private let cache = Mutex<[Key: (Counter, Metrics.Timer)]>([:])

    func handles(method: String, route: String, status: Int) -> (Counter, Metrics.Timer) {
        let key = Key(method: method, route: route, status: status)
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let made = (Counter(label: "http_requests_total", dimensions: [("method", method), ("route", route), ("status", String(status))]),
                    Metrics.Timer(label: "http_request_duration_seconds", dimensions: [("method", method), ("route", route)], preferredDisplayUnit: .seconds))
        cache.withLock { $0[key] = made }
        return made
    }
}

extension Swift.Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
