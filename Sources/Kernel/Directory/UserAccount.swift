import Foundation

/// A person who can sign in, as the directory (tenancy) keeps them. Credentials are not here: each
/// authenticator keeps its own (auth.local's password hashes, an identity provider's subjects).
public struct UserAccount: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case active, invited, deactivated
    }

    public var id: UUID
    public var email: String
    public var firstName: String
    public var lastName: String
    public var status: Status
    /// Roles that hold everywhere (`platform_admin`, `user`).
    public var platformRoles: [String]
    public var emailVerified: Bool
    public var createdAt: Date
    public var lastLoginAt: Date?

    public init(id: UUID, email: String, firstName: String, lastName: String, status: Status, platformRoles: [String],
                emailVerified: Bool, createdAt: Date, lastLoginAt: Date?) {
        self.id = id
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.status = status
        self.platformRoles = platformRoles
        self.emailVerified = emailVerified
        self.createdAt = createdAt
        self.lastLoginAt = lastLoginAt
    }

    /// First and last name, or the address when neither is known.
    public var displayName: String {
        let name = [firstName, lastName].filter { !$0.isEmpty }.joined(separator: " ")
        return name.isEmpty ? email : name
    }
}

/// What a new account starts with.
public struct NewUserAccount: Sendable {
    public var email: String
    public var firstName: String
    public var lastName: String
    public var status: UserAccount.Status
    public var platformRoles: [String]
    public var emailVerified: Bool

    public init(email: String, firstName: String = "", lastName: String = "", status: UserAccount.Status = .active,
                platformRoles: [String] = ["user"], emailVerified: Bool = false) {
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.status = status
        self.platformRoles = platformRoles
        self.emailVerified = emailVerified
    }
}

/// A user as an external identity provider (OIDC) asserts them: identified by issuer + subject (never by
/// the address alone, which the provider may let users change).
public struct ExternalIdentity: Sendable, Equatable {
    public var issuer: String
    public var subject: String
    public var email: String
    public var firstName: String
    public var lastName: String
    public var emailVerified: Bool

    public init(issuer: String, subject: String, email: String, firstName: String, lastName: String, emailVerified: Bool) {
        self.issuer = issuer
        self.subject = subject
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.emailVerified = emailVerified
    }
}

/// Where a user belongs, for the claims of the tokens issued to them.
public struct UserAffiliation: Sendable, Equatable {
    /// The organization the user acts in by default (their first membership), if any.
    public var orgID: String?
    public var teamIDs: [String]

    public init(orgID: String? = nil, teamIDs: [String] = []) {
        self.orgID = orgID
        self.teamIDs = teamIDs
    }
}
