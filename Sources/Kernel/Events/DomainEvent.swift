import Foundation

/// Something that happened, named with dots (`user.created`, `membership.deleted`), recorded in the
/// outbox in the same transaction as the change it describes.
public struct DomainEvent: Sendable, Codable, Equatable {
    /// Position in the outbox: commit order.
    public var sequence: Int64
    public var id: UUID
    public var name: String
    public var occurredAt: Date
    /// Who did it (user id), when known.
    public var actorID: String?
    /// The organization it belongs to; `nil` for platform-level events.
    public var orgID: String?
    /// The request that caused it, when it came from one.
    public var requestID: String?
    /// The platform admin acting as `actorID` under impersonation.
    public var impersonatorID: String?
    /// The client's address and user agent, when a request caused it.
    public var clientAddress: String?
    public var userAgent: String?
    public var payload: JSONValue

    public init(sequence: Int64, id: UUID, name: String, occurredAt: Date, actorID: String?, orgID: String?, requestID: String?,
                impersonatorID: String? = nil, clientAddress: String? = nil, userAgent: String? = nil, payload: JSONValue) {
        self.sequence = sequence
        self.id = id
        self.name = name
        self.occurredAt = occurredAt
        self.actorID = actorID
        self.orgID = orgID
        self.requestID = requestID
        self.impersonatorID = impersonatorID
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.payload = payload
    }

    /// Whether `pattern` selects the event name: exact, `*` for all, or `prefix.*` for a family.
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        if pattern == "*" || pattern == name { return true }
        if pattern.hasSuffix(".*") { return name.hasPrefix(pattern.dropLast(1)) }
        return false
    }

    /// Dotted lower-case words: `org.updated`, `billing.invoice.paid`.
    public static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
            return part.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        }
    }
}

/// Who and where an event comes from; `AppRequestContext.eventOrigin` fills it for request handlers.
public struct EventOrigin: Sendable {
    public var actorID: String?
    public var orgID: String?
    public var requestID: String?
    /// The platform admin behind an impersonated actor.
    public var impersonatorID: String?
    public var clientAddress: String?
    public var userAgent: String?

    public init(actorID: String? = nil, orgID: String? = nil, requestID: String? = nil, impersonatorID: String? = nil,
                clientAddress: String? = nil, userAgent: String? = nil) {
        self.actorID = actorID
        self.orgID = orgID
        self.requestID = requestID
        self.impersonatorID = impersonatorID
        self.clientAddress = clientAddress
        self.userAgent = userAgent
    }

    /// Events made by Lintel itself (schedules, maintenance).
    public static let system = EventOrigin()
}

extension AppRequestContext {
    /// The origin of events a handler emits: the principal (and who impersonates them), the tenant, the
    /// request id, the client.
    public var eventOrigin: EventOrigin {
        EventOrigin(actorID: principal?.id, orgID: tenant?.orgID, requestID: requestID, impersonatorID: principal?.impersonatorID,
                    clientAddress: clientAddress == "-" ? nil : clientAddress, userAgent: userAgent)
    }
}
