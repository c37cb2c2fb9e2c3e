import CEL
import Foundation
import Hummingbird
import Logging
import NIOCore
import Policy

/// The `pdp` listener: Cerbos's HTTP check API over the embedded engine, so other services (and Cerbos's
/// own SDKs) can ask Lintel's policies directly. Serves `POST /api/check/resources`,
/// `GET /_cerbos/health` and `GET /api/server_info`; errors are `{code, message}` with gRPC codes.
public struct PDPServer: Sendable {
    let engine: PolicyEngine
    let settings: PDPSettings
    let logger: Logger
    /// Largest request body read.
    static let maxBodySize = 4 << 20

    public init(engine: PolicyEngine, settings: PDPSettings, logger: Logger) {
        self.engine = engine
        self.settings = settings
        var logger = logger
        logger[metadataKey: "component"] = "pdp"
        self.logger = logger
    }

    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let listen = settings.listen
        let logger = self.logger
        return Application(responder: Responder(server: self),
                           configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: nil),
                           onServerRunning: { channel in
                               let port = channel.localAddress?.port ?? listen.port
                               logger.info("pdp listening", metadata: ["url": .string("http://\(HostPort(host: listen.host, port: port).configDescription)")])
                               await onRunning(port)
                           },
                           logger: logger)
    }

    struct Responder: HTTPResponder {
        typealias Context = BasicRequestContext
        let server: PDPServer

        func respond(to request: Request, context: Context) async throws -> Response {
            let pretty = request.uri.queryParameters["pretty"] != nil
            do {
                return try await server.route(request, pretty: pretty)
            } catch let error as PDPError {
                return PDPServer.json(error.body, status: error.httpStatus, pretty: pretty)
            } catch {
                server.logger.error("pdp request failed", metadata: ["error": .string("\(error)")])
                return PDPServer.json(PDPError(code: 13, message: "Policy check failed").body, status: 500, pretty: pretty)
            }
        }
    }

    func route(_ request: Request, pretty: Bool) async throws -> Response {
        switch request.uri.path {
        case "/api/check/resources":
            guard request.method == .post else { throw PDPError(code: 12, message: "Method Not Allowed") }
            return try await check(request, pretty: pretty)
        case "/_cerbos/health":
            guard request.method == .get || request.method == .head else { throw PDPError(code: 12, message: "Method Not Allowed") }
            let service = request.uri.queryParameters["service"].map(String.init) ?? ""
            guard service.isEmpty || service == "cerbos.svc.v1.CerbosService" else { throw PDPError(code: 5, message: "unknown service") }
            return Self.json(["status": "SERVING"], status: 200, pretty: pretty)
        case "/api/server_info":
            guard request.method == .get else { throw PDPError(code: 12, message: "Method Not Allowed") }
            return Self.json(["version": .string(Kernel.version), "commit": "", "buildDate": ""], status: 200, pretty: pretty)
        case "/api/plan/resources":
            throw PDPError(code: 12, message: "query planning is not supported by Lintel's embedded PDP")
        default:
            throw PDPError(code: 5, message: "Not Found")
        }
    }

    func check(_ request: Request, pretty: Bool) async throws -> Response {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: Self.maxBodySize) } catch {
            throw PDPError.invalid("request body larger than \(Self.maxBodySize) bytes")
        }
        let bytes = Array(buffer.readableBytesView)
        if let failure = JSONSyntax.check(bytes) { throw PDPError.invalid("proto: syntax error: \(failure.message)") }
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            throw PDPError.invalid("proto: syntax error: the body is not JSON")
        }
        let input = try CheckResourcesRequest(json: json, limits: settings)
        let policies = engine.policies
        let now = CELTimestamp(Date())
        let results = input.entries.map { entry in
            policies.check(principal: input.principal, resource: entry.resource, actions: entry.actions, auxData: nil,
                           options: engine.options, now: now)
        }
        return Self.json(input.response(results, callID: ULID.make()), status: 200, pretty: pretty)
    }

    static func json(_ value: JSONValue, status: Int, pretty: Bool) -> Response {
        var text = value.jsonString(pretty: pretty)
        text.append("\n")
        return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A ULID (`01HHENANTHFD5DV3HZGDKB87PJ`): 48 bits of milliseconds then 80 random bits, Crockford base32.
enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    static func make(date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        var chars: [Character] = []
        chars.reserveCapacity(26)
        for shift in stride(from: 45, through: 0, by: -5) { chars.append(alphabet[Int((millis >> UInt64(shift)) & 31)]) }
        let high = UInt64(generator.next() as UInt16) // 16 bits
        let low = generator.next() as UInt64 // 64 bits
        for index in 0..<16 {
            let bit = 79 - index * 5 - 4 // lowest bit of this 5-bit group in the 80-bit number
            let value: UInt64 = bit >= 64 ? (high >> UInt64(bit - 64)) & 31
                : bit + 5 <= 64 ? (low >> UInt64(bit)) & 31
                : ((low >> UInt64(bit)) | (high << UInt64(64 - bit))) & 31
            chars.append(alphabet[Int(value)])
        }
        return String(chars)
    }
}
