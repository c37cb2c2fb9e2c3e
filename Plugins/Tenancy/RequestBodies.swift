import Foundation
import Kernel

/// Request bodies of the tenancy API. Updates take any subset of their fields (absent: unchanged); PUT
/// and PATCH behave the same.
enum Bodies {
    static func name(_ value: String?, _ field: String = "name", max: Int, required: Bool, _ errors: inout ValidationErrors) {
        guard let value else {
            if required { errors.add(field, detail: "is required") }
            return
        }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        errors.check(!trimmed.isEmpty, field, detail: "must not be blank")
        errors.check(trimmed.count <= max, field, detail: "must be at most \(max) characters")
        errors.check(!trimmed.unicodeScalars.contains { CharacterSet.controlCharacters.contains($0) }, field, detail: "must not contain control characters")
    }

    static func roles(_ roles: [String]?, allowed: [String], _ field: String, _ errors: inout ValidationErrors) {
        guard let roles else { return }
        errors.check(!roles.isEmpty, field, detail: "must name at least one role (\(allowed.joined(separator: ", ")))")
        for (index, role) in roles.enumerated() where !allowed.contains(role) {
            errors.add(field, String(index), detail: "must be one of \(allowed.joined(separator: ", "))")
        }
        errors.check(Set(roles).count == roles.count, field, detail: "must not repeat a role")
    }

    static func features(_ features: [String]?, _ errors: inout ValidationErrors) {
        for (index, feature) in (features ?? []).enumerated() where !LicenseTier.isFeatureName(feature) {
            errors.add("features", String(index), detail: "must be lower-case letters, digits and underscores")
        }
    }

    static func trimmed(_ value: String?) -> String? { value?.trimmingCharacters(in: .whitespacesAndNewlines) }
}

struct OrganizationBody: Decodable, Validatable {
    var name: String?
    var slug: String?
    var status: String?
    var licenseTier: String?
    var features: [String]?

    func validate(_ errors: inout ValidationErrors) {
        Bodies.name(name, max: 200, required: false, &errors)
        if let slug { errors.check(Organization.isSlug(slug), "slug", detail: "must be 1–64 lower-case letters, digits and inner dashes") }
        if let status { errors.check(Organization.Status(rawValue: status) != nil, "status", detail: "must be active or suspended") }
        Bodies.features(features, &errors)
    }

    /// Only platform admins change these.
    var touchesLicense: Bool { status != nil || licenseTier != nil || features != nil }
}

struct TeamBody: Decodable, Validatable {
    var orgId: UUID?
    var name: String?
    var description: String?

    func validate(_ errors: inout ValidationErrors) {
        Bodies.name(name, max: 100, required: false, &errors)
        if let description { errors.check(description.count <= 2000, "description", detail: "must be at most 2000 characters") }
    }
}

struct MembershipBody: Decodable, Validatable {
    var userId: UUID?
    var orgId: UUID?
    var teamId: UUID?
    var roles: [String]?

    func validate(_ errors: inout ValidationErrors) {
        Bodies.roles(roles, allowed: teamId == nil ? Membership.orgRoles : Membership.teamRoles, "roles", &errors)
    }
}

/// `POST /orgs/{id}/members` (and team members): someone by id or address, with roles.
struct MemberBody: Decodable {
    var userId: UUID?
    var email: String?
    var firstName: String?
    var lastName: String?
    var roles: [String]?

    func validate(allowed: [String]) throws {
        var errors = ValidationErrors()
        errors.check(userId != nil || email != nil, "user_id", detail: "give user_id or email")
        if let email { if let problem = EmailAddress.problem(EmailAddress.normalize(email)) { errors.add("email", detail: problem) } }
        Bodies.roles(roles, allowed: allowed, "roles", &errors)
        if !errors.isEmpty { throw Problem.validation(errors.items) }
    }
}

struct RolesBody: Decodable {
    var roles: [String]
}

struct UserBody: Decodable, Validatable {
    static let platformRoles = ["platform_admin", "support_readonly", "user"]

    var email: String?
    var firstName: String?
    var lastName: String?
    var platformRoles: [String]?
    var status: String?
    var emailVerified: Bool?
    var password: String?

    func validate(_ errors: inout ValidationErrors) {
        if let email, let problem = EmailAddress.problem(EmailAddress.normalize(email)) { errors.add("email", detail: problem) }
        if let firstName { errors.check(firstName.count <= 150, "first_name", detail: "must be at most 150 characters") }
        if let lastName { errors.check(lastName.count <= 150, "last_name", detail: "must be at most 150 characters") }
        for (index, role) in (platformRoles ?? []).enumerated() where !Self.platformRoles.contains(role) {
            errors.add("platform_roles", String(index), detail: "must be one of \(Self.platformRoles.joined(separator: ", "))")
        }
        if let status { errors.check(["active", "deactivated"].contains(status), "status", detail: "must be active or deactivated") }
    }

    /// The roles to store: always `user`, plus what was asked.
    var normalizedRoles: [String]? {
        platformRoles.map { roles in Self.platformRoles.filter { $0 == "user" || roles.contains($0) } }
    }
}

struct InviteBody: Decodable, Validatable {
    var email: String
    var firstName: String?
    var lastName: String?
    var orgId: UUID?
    var roles: [String]?
    var teamId: UUID?
    var teamRoles: [String]?

    func validate(_ errors: inout ValidationErrors) {
        if let problem = EmailAddress.problem(EmailAddress.normalize(email)) { errors.add("email", detail: problem) }
        if let firstName { errors.check(firstName.count <= 150, "first_name", detail: "must be at most 150 characters") }
        if let lastName { errors.check(lastName.count <= 150, "last_name", detail: "must be at most 150 characters") }
        Bodies.roles(roles, allowed: Membership.orgRoles, "roles", &errors)
        Bodies.roles(teamRoles, allowed: Membership.teamRoles, "team_roles", &errors)
        errors.check(teamId == nil || orgId != nil, "org_id", detail: "is required with team_id")
    }
}
