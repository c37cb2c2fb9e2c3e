import Foundation
import Hummingbird
import Logging
import NIOCore

/// The Kernel's request context: typed fields the middleware phases fill in, in order.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The matched route's `{name}` segments (shadows Hummingbird's `parameters`, which the Kernel leaves empty).
    public internal(set) var parameters = RouteParameters()
    /// Set by the request-id phase: the client's well-formed `X-Request-ID`, or a new one.
    public var requestID: String
    /// Set by the authentication phase; `nil` for anonymous requests.
    public var principal: Principal? {
        // Remembered, so that its view for the policies is made at the first decision and kept with it: for
        // the request's other decisions, and for later requests when a cache handed it out remembered.
        didSet { if let principal, !principal.isRemembered { self.principal = principal.remembered() } }
    }
    /// The principal as the policies see it.
    var policyPrincipal: PolicyPrincipal? { principal.map { PolicyPrincipalCache.shared.principal(for: $0) } }
    /// Set by tenant resolution: the organization the request acts in.
    public var tenant: Tenant?
    /// The client's IP (the peer, or from `X-Forwarded-For` behind a trusted proxy).
    public var clientAddress: String
    /// The client's `User-Agent`, for events and the audit trail.
    public var userAgent: String?
    /// The Kernel's decision point, for `authorize`.
    var authorization: AuthorizationService?
    /// Set around an `.authenticated` route's handler: whether it obtained an allow.
    var authorizationTrail: AuthorizationTrail?
    /// Largest body `decodeJSON` accepts (from `server { max_body_size }`).
    public var maxUploadSize: Int
    /// The TCP peer.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.maxUploadSize = 2_000_000
        let remoteAddress = source.channel.remoteAddress  // read under the channel's lock: once
        self.remoteAddress = remoteAddress
        self.clientAddress = remoteAddress?.ipAddress ?? "-"
    }

    public var requestDecoder: JSONDecoder { JSONCoding.decoder }
    public var responseEncoder: JSONEncoder { JSONCoding.encoder }
}

/// The organization a request acts in.
public struct Tenant: Sendable {
    public var orgID: String
    public init(orgID: String) { self.orgID = orgID }
}

/// The API's JSON conventions: snake_case keys, ISO 8601 UTC timestamps.
public enum JSONCoding {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// camelCase → snake_case as the encoder's strategy does it (`orgID` → `org_id`, `myURLValue` →
    /// `my_url_value`), for turning coding paths back into API field names.
    public static func snakeCase(_ key: String) -> String {
        let chars = Array(key)
        var out = ""
        for (i, c) in chars.enumerated() {
            if c.isUppercase, i > 0 {
                let afterLower = chars[i - 1].isLowercase || chars[i - 1].isNumber
                let endsAcronym = chars[i - 1].isUppercase && i + 1 < chars.count && chars[i + 1].isLowercase
                if afterLower || endsAcronym { out += "_" }
            }
            out += c.lowercased()
        }
        return out
    }
}
