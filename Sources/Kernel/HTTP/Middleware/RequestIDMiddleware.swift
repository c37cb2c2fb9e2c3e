import Foundation
import Hummingbird

/// Phase 1: gives every request an id — the client's `X-Request-ID` when well-formed (1–128 of
/// `A-Z a-z 0-9 . _ - :`), else a new UUID — puts it on the logger and echoes it in the response.
/// As the outermost phase it also renders any error no inner phase handled.
struct RequestIDMiddleware: RequestPhase {
    typealias Context = AppRequestContext
    let maxBodySize: Int
    let renderer: ProblemRenderer
    let authorization: AuthorizationService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = request.headers[.requestID].flatMap { Self.isWellFormed($0) ? $0 : nil } ?? UUID.v7().lowercasedString
        context.requestID = id
        context.userAgent = request.headers[.userAgent]
        context.maxUploadSize = maxBodySize
        context.authorization = authorization
        context.logger[metadataKey: "request_id"] = .string(id)
        context.logger[metadataKey: "hb.request.id"] = nil
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = renderer.response(for: error, request: request, context: context)
        }
        response.headers[.requestID] = id
        return response
    }

    static func isWellFormed(_ value: String) -> Bool {
        (1...128).contains(value.utf8.count) && value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D || byte == 0x3A
        }
    }
}
