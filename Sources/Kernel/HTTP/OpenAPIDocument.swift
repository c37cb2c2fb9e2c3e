import Foundation

/// Builds the OpenAPI 3.1 document served at `/api/v1/openapi.json` from the registered routes (each
/// documents itself through its `Operation`) and the components the Kernel and plugins contribute.
public enum OpenAPIDocument {
    public static func build(title: String, version: String, serverURL: URL, routes: [RouteEntry], components: [JSONValue]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for route in routes {
            var item = paths[route.path]?.objectValue ?? [:]
            item[route.method.rawValue.lowercased()] = operation(route)
            paths[route.path] = .object(item)
        }
        var merged: JSONValue = kernelComponents
        for fragment in components { merged = merged.merging(fragment) }
        return [
            "openapi": "3.1.0",
            "info": ["title": .string(title), "version": .string(version),
                     "description": "Lintel: a self-hosted SaaS backend. Errors are RFC 9457 problem details (application/problem+json)."],
            "servers": [["url": .string(serverURL.absoluteString)]],
            "paths": .object(paths),
            "components": merged,
        ]
    }

    static func operation(_ route: RouteEntry) -> JSONValue {
        let op = route.operation
        var object: [String: JSONValue] = [
            "summary": .string(op.summary),
            "tags": .array(op.tags.map { .string($0) }),
            "operationId": .string(operationID(route)),
        ]
        if let description = op.description { object["description"] = .string(description) }
        var parameters: [JSONValue] = pathParameters(route.path).map {
            ["name": .string($0), "in": "path", "required": true, "schema": ["type": "string"]]
        }
        parameters += op.query.map {
            ["name": .string($0.name), "in": "query", "required": .bool($0.required), "description": .string($0.description), "schema": $0.schema]
        }
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        if let body = op.requestBody {
            object["requestBody"] = ["required": true, "content": ["application/json": ["schema": body]]]
        }
        var responses: [String: JSONValue] = [:]
        for (status, reply) in op.responses {
            var response: [String: JSONValue] = ["description": .string(reply.description)]
            if let schema = reply.schema { response["content"] = .object([reply.contentType: ["schema": schema]]) }
            responses[String(status)] = .object(response)
        }
        func problem(_ status: Int, _ description: String) {
            if responses[String(status)] == nil { responses[String(status)] = problemResponse(description) }
        }
        if op.access != .public {
            problem(401, "Missing, invalid or expired credentials.")
        }
        if op.access == .authenticated {
            problem(403, "The policy denies this action.")
        }
        if op.requestBody != nil {
            problem(400, "Malformed JSON.")
            problem(413, "Body too large.")
            problem(415, "Body is not JSON.")
            problem(422, "Validation failed; see `errors`.")
        }
        responses["default"] = problemResponse("Unexpected error.")
        object["responses"] = .object(responses)
        object["security"] = op.access == .public ? [] : [["bearerAuth": []]]
        return .object(object)
    }

    static func problemResponse(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/problem+json": ["schema": Operation.ref("Problem")]]]
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").compactMap { segment in
            guard segment.hasPrefix("{"), segment.hasSuffix("}") else { return nil }
            return String(segment.dropFirst().dropLast())
        }
    }

    static func operationID(_ route: RouteEntry) -> String {
        let words = route.path.split(separator: "/").map { segment -> String in
            segment.hasPrefix("{") ? "by_" + segment.dropFirst().dropLast() : String(segment)
        }
        return ([route.method.rawValue.lowercased()] + words.filter { $0 != "api" && $0 != "v1" })
            .joined(separator: "_").replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
    }

    static let kernelComponents: JSONValue = [
        "securitySchemes": [
            "bearerAuth": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"],
        ],
        "schemas": [
            "Problem": [
                "type": "object",
                "description": "RFC 9457 problem details.",
                "required": ["type", "title", "status"],
                "properties": [
                    "type": ["type": "string", "description": "about:blank or a tag: URI naming the kind of problem."],
                    "title": ["type": "string"],
                    "status": ["type": "integer"],
                    "detail": ["type": "string"],
                    "instance": ["type": "string"],
                    "request_id": ["type": "string"],
                    "errors": ["type": "array", "items": Operation.ref("FieldError")],
                ],
            ],
            "FieldError": [
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": [
                    "pointer": ["type": "string", "description": "RFC 6901 JSON Pointer into the request body."],
                    "detail": ["type": "string"],
                ],
            ],
            "Status": [
                "type": "object",
                "required": ["status"],
                "properties": ["status": ["type": "string"]],
            ],
            "Readiness": [
                "type": "object",
                "required": ["status", "checks"],
                "properties": [
                    "status": ["type": "string", "enum": ["ready"]],
                    "checks": ["type": "object", "additionalProperties": Operation.ref("CheckResult")],
                ],
            ],
            "CheckResult": [
                "type": "object",
                "required": ["status", "duration_ms"],
                "properties": [
                    "status": ["type": "string", "enum": ["ok", "failing"]],
                    "duration_ms": ["type": "number"],
                    "error": ["type": "string"],
                ],
            ],
        ],
    ]
}
