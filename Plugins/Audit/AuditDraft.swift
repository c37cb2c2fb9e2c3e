import Foundation
import Kernel

/// What an entry says before it is placed in its chain and sealed.
struct AuditDraft: Sendable {
    var occurredAt: Date
    var action: String
    var resourceType: String
    var resourceID: String
    var actorID: String?
    var orgID: String?
    var changes: [String: JSONValue]
    var details: [String: JSONValue]
    var requestID: String?
    var actorIP: String?
    var userAgent: String?
    var impersonatorID: String?
    var eventID: String?

    /// One chain per org, one for everything else.
    var chain: String { orgID.flatMap { $0.isEmpty ? nil : $0 } ?? AuditEntry.platformChain }
}

/// Domain events and decisions as audit drafts: the resource an event concerns, and its changes as
/// `{field: {"old", "new"}}` — from `before`/`after`, or from the one object a `*.created` (old `null`)
/// or `*.deleted` (new `null`) event carries.
enum EventMapping {
    /// The payload member holding the resource, by the event name's first word.
    static let resourceKeys: [String: (type: String, key: String)] = [
        "user": ("user", "user"), "org": ("organization", "org"), "team": ("team", "team"), "membership": ("membership", "membership"),
        "webhook": ("webhook", "webhook"),
    ]

    static func draft(_ event: DomainEvent) -> AuditDraft {
        let payload = event.payload.objectValue ?? [:]
        let family = String(event.name.split(separator: ".").first ?? "")
        var details = payload
        var changes: [String: JSONValue] = [:]
        var resourceType = family
        var resourceID = payload["id"]?.stringValue ?? ""

        if let before = payload["before"]?.objectValue, let after = payload["after"]?.objectValue {
            changes = diff(before, after)
            details["before"] = nil
            details["after"] = nil
            resourceID = after["id"]?.stringValue ?? before["id"]?.stringValue ?? resourceID
        }
        if let mapped = resourceKeys[family] {
            resourceType = mapped.type
            if let object = payload[mapped.key]?.objectValue {
                resourceID = object["id"]?.stringValue ?? resourceID
                if event.name.hasSuffix(".created") {
                    changes = diff([:], object)
                    details[mapped.key] = nil
                } else if event.name.hasSuffix(".deleted") {
                    // A deletion keeps the last values and the new ones are null; a deactivation (`user.deleted`
                    // with `before`) shows what changed.
                    changes = payload["before"]?.objectValue.map { diff($0, object) } ?? diff(object, [:])
                    details[mapped.key] = nil
                    details["before"] = nil
                }
            }
        }
        switch family {
        case "auth":
            resourceType = "user"
            resourceID = payload["user_id"]?.stringValue ?? ""
        case "license":
            resourceType = "license"
            resourceID = payload["org_id"]?.stringValue ?? ""
        case "settings":
            resourceType = "site_settings"
            resourceID = "site"
        case "impersonation":
            resourceType = "impersonation"
            resourceID = payload["impersonation_id"]?.stringValue ?? ""
        default:
            break
        }
        return AuditDraft(occurredAt: event.occurredAt, action: event.name, resourceType: resourceType, resourceID: resourceID,
                          actorID: event.actorID, orgID: event.orgID, changes: changes, details: details, requestID: event.requestID,
                          actorIP: event.clientAddress, userAgent: event.userAgent, impersonatorID: event.impersonatorID,
                          eventID: event.id.lowercasedString)
    }

    static func draft(_ decision: DecisionRecord) -> AuditDraft {
        AuditDraft(occurredAt: decision.time, action: "authz.denied", resourceType: decision.resourceKind, resourceID: decision.resourceID,
                   actorID: decision.principalID, orgID: decision.orgID, changes: [:],
                   details: ["action": .string(decision.action), "policy": .string(decision.policy), "scope": .string(decision.scope),
                             "roles": .array(decision.roles.map { .string($0) })],
                   requestID: decision.requestID.isEmpty ? nil : decision.requestID, actorIP: decision.clientAddress, userAgent: decision.userAgent,
                   impersonatorID: decision.impersonatorID, eventID: nil)
    }

    /// `{field: {"old", "new"}}` for every field that differs.
    static func diff(_ before: [String: JSONValue], _ after: [String: JSONValue]) -> [String: JSONValue] {
        var changes: [String: JSONValue] = [:]
        for key in Set(before.keys).union(after.keys) where before[key] != after[key] {
            changes[key] = ["old": before[key] ?? .null, "new": after[key] ?? .null]
        }
        return changes
    }
}
