import Foundation
import Hummingbird
import Kernel
import LintelPlugins
import Logging
import NIOCore
import NIOEmbedded

/// The server's own work per request, without sockets or event loops: the responder `lintel serve`
/// builds from a site.conf answers `GET /healthz` and `GET PATH` (with a bearer token) one request at a
/// time, in batches taken in turn. Wall time per request is then the request's CPU time on one thread;
/// the process's CPU time is reported beside it, so work handed to other threads is not missed.
enum HandlerBenchmark {
    struct Figure {
        var wallMicros: Double
        var cpuMicros: Double
    }

    static func run(conf: String, token: String, path: String, count: Int) async throws {
        let configuration = try SiteConfiguration.load(path: conf, variables: ProcessInfo.processInfo.environment, catalog: compiledPlugins)
        let logging = configuration.logging
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, level: logging.level.loggerLevel, format: logging.format) }
        let kernel = try await Kernel.boot(configuration)
        let responder = kernel.makeApplication().responder
        let logger = kernel.logger
        let channel = NIOAsyncTestingChannel()
        let requests: [(label: String, path: String, headers: HTTPFields)] = [
            ("GET /healthz", "/healthz", [:]),
            ("GET \(path)", path, [.authorization: "Bearer \(token)"]),
        ]
        // Every request must succeed: a figure for a 401 would measure the wrong thing.
        for request in requests {
            let status = try await answer(responder, request.path, request.headers, channel: channel, logger: logger)
            guard status == .ok else { throw BenchmarkError(description: "\(request.label) answered \(status.code), not 200") }
        }
        var figures = [[Figure]](repeating: [], count: requests.count)
        let batch = max(count / 10, 1)
        for _ in 0..<11 {  // the first round warms up and is dropped
            for (index, request) in requests.enumerated() {
                let cpu = processCPUTime()
                let started = ContinuousClock.now
                for _ in 0..<batch {
                    _ = try await answer(responder, request.path, request.headers, channel: channel, logger: logger)
                }
                let wall = ContinuousClock.now - started
                figures[index].append(Figure(wallMicros: wall.seconds * 1e6 / Double(batch),
                                             cpuMicros: (processCPUTime() - cpu) * 1e6 / Double(batch)))
            }
        }
        await kernel.shutdown()
        for (request, measured) in zip(requests, figures) {
            let kept = measured.dropFirst()
            print(String(format: "%-48@ %8.1f µs   (process CPU %.1f µs; median of %d batches of %d)", "in-process: \(request.label)" as NSString,
                         median(kept.map(\.wallMicros)), median(kept.map(\.cpuMicros)), kept.count, batch))
        }
    }

    static func answer(_ responder: some HTTPResponder<AppRequestContext>, _ path: String, _ headers: HTTPFields, channel: any Channel,
                       logger: Logger) async throws -> HTTPResponse.Status {
        let request = Request(head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: path, headerFields: headers),
                              body: RequestBody(buffer: ByteBuffer()))
        var logger = logger  // as the server's connection handler gives each request its logger
        logger[metadataKey: "hb.request.id"] = .stringConvertible(RequestID())
        let context = AppRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        let response = try await responder.respond(to: request, context: context)
        try await response.body.write(Discarding())
        return response.status
    }

    struct Discarding: ResponseBodyWriter {
        func write(_ buffer: ByteBuffer) async throws {}
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    static func processCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}
