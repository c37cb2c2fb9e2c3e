import Foundation

/// The `cors` block: which browser origins may call the API.
public struct CORSSettings: BlockSettings {
    public var allowedOrigins: [String]
    public var allowedMethods: [String]
    public var allowedHeaders: [String]
    public var exposedHeaders: [String]
    public var allowCredentials: Bool
    public var maxAge: Swift.Duration

    public var allowsAnyOrigin: Bool { allowedOrigins.contains("*") }

    public init(from reader: SettingsReader) {
        allowedOrigins = reader.list("allowed_origins", default: ["http://localhost:5173"],
                                     doc: "Origins allowed to call the API from a browser (CORS_ALLOWED_ORIGINS); '*' allows any (refused in production).",
                                     check: Self.checkOrigin)
        allowedMethods = reader.list("allowed_methods", default: ["GET", "POST", "PUT", "PATCH", "DELETE"],
                                     doc: "Methods allowed in cross-origin requests.")
        allowedHeaders = reader.list("allowed_headers", default: ["Authorization", "Content-Type", "X-Request-ID", "X-Org-ID", "Idempotency-Key"],
                                     doc: "Request headers allowed in cross-origin requests.")
        exposedHeaders = reader.list("exposed_headers", default: ["X-Request-ID", "Location", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"],
                                     doc: "Response headers scripts may read.")
        allowCredentials = reader.value("allow_credentials", default: false,
                                        doc: "Allow cookies and HTTP auth in cross-origin requests (never with '*').")
        maxAge = reader.value("max_age", default: .seconds(600), doc: "How long browsers may cache a preflight answer.")
        if allowsAnyOrigin, allowCredentials {
            reader.fail("allow_credentials", "credentials cannot be allowed for any origin ('*')",
                        help: "list the allowed origins explicitly")
        }
        if reader.environmentName == "production", allowsAnyOrigin {
            reader.fail("allowed_origins", "refusing wildcard CORS ('*') in production",
                        help: "set CORS_ALLOWED_ORIGINS to the origins of your front ends, e.g. https://app.example.com")
        }
    }

    static func checkOrigin(_ origin: String) -> String? {
        if origin == "*" { return nil }
        guard let url = URL(string: origin), let scheme = url.scheme, ["http", "https"].contains(scheme),
              url.host != nil, url.path.isEmpty || url.path == "/", url.query == nil else {
            return "'\(origin)' is not an origin; write scheme://host[:port], e.g. https://app.example.com"
        }
        return nil
    }
}
