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
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            // Only a body that does not parse is scanned again, for the position of the mistake.
            guard let failure = JSONSyntax.check(bytes) else { throw PDPError.invalid("proto: syntax error: the body is not a JSON document") }
            throw PDPError.invalid("proto: syntax error (line \(failure.line):\(failure.column)): \(failure.message)")
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
        return Response(status: .init(code: status), headers: .json,
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A ULID (`01HHENANTHFD5DV3HZGDKB87PJ`) for `cerbosCallId`: the 128 bits of a UUIDv7 (48 bits of
/// milliseconds, then random bits, as a ULID has) written in Crockford base32.
enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    static func make() -> String {
        let bytes = withUnsafeBytes(of: UUID.v7().uuid) { Array($0) }
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        // 26 groups of 5 bits over 130 bits: the top two are zero.
        return String((0..<26).map { index -> Character in
            let shift = 125 - index * 5 // lowest bit of this group
            // (`<<` by 64 is 0 in Swift, so the last group needs no special case.)
            let value = shift >= 64 ? high >> UInt64(shift - 64) : low >> UInt64(shift) | high << UInt64(64 - shift)
            return alphabet[Int(value & 31)]
        })
    }
}
