import Foundation
import HTTPTypes
import Hummingbird

/// The one error type of the HTTP API, rendered as RFC 9457 `application/problem+json`.
///
/// Handlers throw a `Problem` (or anything else, which becomes a 500 that reveals nothing); the Kernel's
/// problem middleware renders it with the request id.
public struct Problem: Error, Sendable {
    /// `about:blank` when the status says it all, else a `tag:` URI naming the kind of problem.
    public var type: String
    public var title: String
    public var status: HTTPResponse.Status
    public var detail: String?
    /// Per-field problems (422).
    public var errors: [FieldError]
    /// Extra members, e.g. `checks` for readiness.
    public var extensions: [String: JSONValue]
    /// Headers to send with the problem (`Allow`, `Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields

    public init(status: HTTPResponse.Status, type: String = "about:blank", title: String? = nil, detail: String? = nil,
                errors: [FieldError] = [], extensions: [String: JSONValue] = [:], headers: HTTPFields = [:]) {
        self.type = type
        self.title = title ?? status.reasonPhrase
        self.status = status
        self.detail = detail
        self.errors = errors
        self.extensions = extensions
        self.headers = headers
    }

    /// Builds the `tag:` type URI Lintel uses for its problem kinds.
    public static func typeURI(_ slug: String) -> String { "tag:lintel.dev,2026:problems/\(slug)" }

    // MARK: The problems the Kernel raises

    public static func notFound(_ detail: String = "No resource exists at this path.") -> Problem {
        Problem(status: .notFound, detail: detail)
    }

    public static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [HTTPRequest.Method]) -> Problem {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return Problem(status: .methodNotAllowed, detail: "\(method.rawValue) is not supported here; use \(list).",
                       headers: [.allow: list])
    }

    public static func malformedJSON(_ detail: String, pointer: String? = nil) -> Problem {
        Problem(status: .badRequest, type: typeURI("malformed-json"), title: "Malformed JSON", detail: detail,
                extensions: pointer.map { ["pointer": .string($0)] } ?? [:])
    }

    public static func unsupportedMediaType(_ received: String?) -> Problem {
        Problem(status: .unsupportedMediaType,
                detail: "The request body must be application/json\(received.map { ", not \($0)" } ?? "; no Content-Type was sent").")
    }

    public static func contentTooLarge(limit: Int) -> Problem {
        Problem(status: .contentTooLarge, detail: "The request body is larger than the \(ByteSize(bytes: limit).configDescription) limit.")
    }

    public static func validation(_ errors: [FieldError], detail: String? = nil) -> Problem {
        let summary = detail ?? (errors.count == 1 ? "\(errors[0].pointer.isEmpty ? "The body" : errors[0].pointer) \(errors[0].detail)" : "\(errors.count) fields are invalid.")
        return Problem(status: .unprocessableContent, type: typeURI("validation-error"), title: "Validation failed", detail: summary, errors: errors)
    }

    public static func unauthorized(_ detail: String = "Authentication is required.", challenge: String = "Bearer") -> Problem {
        Problem(status: .unauthorized, detail: detail, headers: [.wwwAuthenticate: challenge])
    }

    public static func forbidden(_ detail: String = "You are not allowed to do this.") -> Problem {
        Problem(status: .forbidden, detail: detail)
    }

    public static func conflict(_ detail: String) -> Problem {
        Problem(status: .conflict, type: typeURI("conflict"), title: "Conflict", detail: detail)
    }

    public static func badRequest(_ detail: String) -> Problem {
        Problem(status: .badRequest, detail: detail)
    }

    public static func internalError(requestID: String, debugDetail: String?) -> Problem {
        var problem = Problem(status: .internalServerError,
                              detail: "An unexpected error occurred. Quote request id \(requestID) when reporting it.")
        if let debugDetail { problem.extensions["debug"] = .string(debugDetail) }
        return problem
    }

    /// The body, as the members RFC 9457 defines plus `errors`, `request_id` and the extensions.
    public func body(instance: String?, requestID: String?) -> JSONValue {
        var members = extensions
        members["type"] = .string(type)
        members["title"] = .string(title)
        members["status"] = .int(status.code)
        if let detail { members["detail"] = .string(detail) }
        if let instance { members["instance"] = .string(instance) }
        if !errors.isEmpty {
            members["errors"] = .array(errors.map { ["pointer": .string($0.pointer), "detail": .string($0.detail)] })
        }
        if let requestID { members["request_id"] = .string(requestID) }
        return .object(members)
    }

    /// The full HTTP response.
    public func response(instance: String?, requestID: String?) -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        fields[.cacheControl] = "no-store"
        let text = body(instance: instance, requestID: requestID).jsonString()
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension HTTPField.Name {
    /// `X-Request-ID`.
    public static var requestID: Self { .init("X-Request-ID")! }
}

import NIOCore
