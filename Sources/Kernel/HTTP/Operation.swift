/// Who may reach a route before the handler runs.
public enum RouteAccess: Sendable, Equatable {
    /// Anyone; the route is explicitly marked public.
    case `public`
    /// An authenticated principal, and the handler must obtain an allow from the policy engine through
    /// `context.authorize` before answering: a handler that returns without one answers 403 instead
    /// (deny by default).
    case authenticated
    /// Any authenticated principal, with no policy decision: for routes that only touch the caller's own
    /// session or profile (`/auth/me`, `/auth/logout`).
    case signedIn
}

/// What a route does, for its access rule and its entry in the OpenAPI document.
public struct Operation: Sendable {
    /// A documented response.
    public struct Reply: Sendable {
        public var description: String
        /// JSON Schema of the body, or `nil` for no body.
        public var schema: JSONValue?
        public var contentType: String

        public init(_ description: String, schema: JSONValue? = nil, contentType: String = "application/json") {
            self.description = description
            self.schema = schema
            self.contentType = contentType
        }
    }

    /// A documented query parameter.
    public struct QueryParameter: Sendable {
        public var name: String
        public var description: String
        public var schema: JSONValue
        public var required: Bool

        public init(_ name: String, _ description: String, schema: JSONValue = ["type": "string"], required: Bool = false) {
            self.name = name
            self.description = description
            self.schema = schema
            self.required = required
        }
    }

    public var summary: String
    public var description: String?
    public var tags: [String]
    public var access: RouteAccess
    /// Whether the Kernel's rate limits apply (off for probes and metrics scrapes).
    public var rateLimited: Bool
    /// JSON Schema of the request body, when the route takes one.
    public var requestBody: JSONValue?
    public var query: [QueryParameter]
    /// Successful (and other expected) responses by status code; problem responses are added for you.
    public var responses: [Int: Reply]

    public init(_ summary: String, description: String? = nil, tags: [String], access: RouteAccess, rateLimited: Bool = true,
                requestBody: JSONValue? = nil, query: [QueryParameter] = [], responses: [Int: Reply]) {
        self.summary = summary
        self.description = description
        self.tags = tags
        self.access = access
        self.rateLimited = rateLimited
        self.requestBody = requestBody
        self.query = query
        self.responses = responses
    }

    /// A reference to a schema in the document's components.
    public static func ref(_ schema: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(schema)")] }
}

/// `Operation` under a name that Foundation's `Operation` (NSOperation) does not shadow, for plugin files
/// that import Foundation.
public typealias RouteOperation = Operation
