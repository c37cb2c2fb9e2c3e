import Foundation
import Kernel
import SQLKit

/// A tenant. Soft-deleted (`deletedAt`), never removed: audit entries and billing refer to it.
struct Organization: Sendable, Equatable {
    enum Status: String, Sendable, CaseIterable {
        /// Members work in it.
        case active
        /// Kept, but its members are refused until a platform admin reactivates it.
        case suspended
    }

    var id: UUID
    var name: String
    var slug: String
    var status: Status
    var licenseTier: String
    /// Features granted on top of the tier's (enterprise "custom features").
    var extraFeatures: [String]
    var createdAt: Date
    var updatedAt: Date
    var deletedAt: Date?

    /// Whether its members may act in it.
    var isUsable: Bool { status == .active && deletedAt == nil }

    static let columns = "id, name, slug, status, license_tier, features, created_at, updated_at, deleted_at"

    static func decode(_ row: any SQLRow) throws -> Organization {
        Organization(id: try row.decode(column: "id", as: UUID.self), name: try row.decode(column: "name", as: String.self),
                     slug: try row.decode(column: "slug", as: String.self),
                     status: Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .suspended,
                     licenseTier: try row.decode(column: "license_tier", as: String.self),
                     extraFeatures: JSONText.strings(try row.decode(column: "features", as: String.self)),
                     createdAt: try row.decode(column: "created_at", as: Date.self), updatedAt: try row.decode(column: "updated_at", as: Date.self),
                     deletedAt: try row.decode(column: "deleted_at", as: Date?.self))
    }

    /// As events carry it (and audit records it).
    var payload: JSONValue {
        [
            "id": .string(id.lowercasedString), "name": .string(name), "slug": .string(slug), "status": .string(status.rawValue),
            "license_tier": .string(licenseTier), "features": .array(extraFeatures.map { .string($0) }),
            "deleted_at": deletedAt.map { .string(Timestamp.text($0)) } ?? .null,
        ]
    }

    /// As the API shows it, with the effective features of its tier.
    func json(tiers: [String: LicenseTier]) -> JSONValue {
        var object = Timestamp.stamped(payload, created: createdAt, updated: updatedAt).objectValue ?? [:]
        object["features"] = .array(features(tiers: tiers).map { .string($0) })
        object["custom_features"] = .array(extraFeatures.map { .string($0) })
        return .object(object)
    }

    /// The tier's features plus the org's own, sorted.
    func features(tiers: [String: LicenseTier]) -> [String] {
        Self.features(tier: licenseTier, extra: extraFeatures, tiers: tiers)
    }

    static func features(tier: String, extra: [String], tiers: [String: LicenseTier]) -> [String] {
        features(of: tiers[tier], extra: extra)
    }

    /// A tier's features (none for a tier no longer configured) with an org's own, sorted.
    static func features(of tier: LicenseTier?, extra: [String]) -> [String] {
        Array(Set((tier?.features ?? []) + extra)).sorted()
    }

    /// A URL-safe handle from a name: lower-case letters, digits and dashes.
    static func slug(from name: String) -> String {
        var slug = ""
        for scalar in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty, !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return String(slug.prefix(48))
    }

    static func isSlug(_ text: String) -> Bool {
        (1...64).contains(text.count) && !text.hasPrefix("-") && !text.hasSuffix("-")
            && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}

/// A team inside an organization; its name is unique in the org whatever its case.
struct Team: Sendable, Equatable {
    var id: UUID
    var orgID: UUID
    var name: String
    var description: String
    var createdAt: Date
    var updatedAt: Date

    static let columns = "id, org_id, name, description, created_at, updated_at"

    static func decode(_ row: any SQLRow) throws -> Team {
        Team(id: try row.decode(column: "id", as: UUID.self), orgID: try row.decode(column: "org_id", as: UUID.self),
             name: try row.decode(column: "name", as: String.self), description: try row.decode(column: "description", as: String.self),
             createdAt: try row.decode(column: "created_at", as: Date.self), updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }

    var payload: JSONValue {
        ["id": .string(id.lowercasedString), "org_id": .string(orgID.lowercasedString), "name": .string(name), "description": .string(description)]
    }

    var json: JSONValue { Timestamp.stamped(payload, created: createdAt, updated: updatedAt) }

    /// What policies see: the team's org and id.
    var resource: ResourceRef {
        ResourceRef(kind: "team", id: id.lowercasedString, attributes: ["org_id": .string(orgID.lowercasedString), "team_id": .string(id.lowercasedString)])
    }
}

/// A user's membership of an organization (`teamID == nil`: roles `org_admin`, `member`) or of one of its
/// teams (roles `team_admin`, `member`).
struct Membership: Sendable, Equatable {
    static let orgRoles = ["org_admin", "member"]
    static let teamRoles = ["team_admin", "member"]

    var id: UUID
    var userID: UUID
    var orgID: UUID
    var teamID: UUID?
    var roles: [String]
    var createdAt: Date
    var updatedAt: Date

    static let columns = "id, user_id, org_id, team_id, roles, created_at, updated_at"

    static func decode(_ row: any SQLRow) throws -> Membership {
        Membership(id: try row.decode(column: "id", as: UUID.self), userID: try row.decode(column: "user_id", as: UUID.self),
                   orgID: try row.decode(column: "org_id", as: UUID.self), teamID: try row.decode(column: "team_id", as: UUID?.self),
                   roles: JSONText.strings(try row.decode(column: "roles", as: String.self)),
                   createdAt: try row.decode(column: "created_at", as: Date.self), updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }

    var payload: JSONValue {
        [
            "id": .string(id.lowercasedString), "user_id": .string(userID.lowercasedString), "org_id": .string(orgID.lowercasedString),
            "team_id": teamID.map { .string($0.lowercasedString) } ?? .null, "roles": .array(roles.map { .string($0) }),
        ]
    }

    var json: JSONValue { Timestamp.stamped(payload, created: createdAt, updated: updatedAt) }

    /// What policies see: the org (and team) it belongs to and whose it is. Every route that names a
    /// membership has established first that the caller may see its org, so a denial is a 403.
    var resource: ResourceRef {
        var attributes: [String: JSONValue] = ["org_id": .string(orgID.lowercasedString), "user_id": .string(userID.lowercasedString), "owner_id": .string(userID.lowercasedString)]
        if let teamID { attributes["team_id"] = .string(teamID.lowercasedString) }
        return ResourceRef(kind: "membership", id: id.lowercasedString, attributes: attributes, concealsExistence: false)
    }
}

/// Lists of strings stored as JSON text.
enum JSONText {
    static func strings(_ text: String) -> [String] { JSONValue.strings(fromJSON: text) ?? [] }

    static func encode(_ strings: [String]) -> String { JSONValue.array(strings.map { .string($0) }).jsonString() }
}

/// ISO 8601 in UTC, as the API writes timestamps.
enum Timestamp {
    static func text(_ date: Date) -> String { date.iso8601 }

    /// `payload` with `created_at` and `updated_at`, as the API shows a record.
    static func stamped(_ payload: JSONValue, created: Date, updated: Date) -> JSONValue {
        var object = payload.objectValue ?? [:]
        object["created_at"] = .string(text(created))
        object["updated_at"] = .string(text(updated))
        return .object(object)
    }
}

