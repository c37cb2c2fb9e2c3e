import Auth
import Foundation
import HTTPTypes
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Tenancy

/// Someone who can call the API: their user id, address and access token.
struct Actor: Sendable {
    let id: String
    let email: String
    let token: String
}

/// Two organizations with the same cast each — an org admin, a team admin of the org's team, a plain
/// member who is also a member of that team — and a platform admin and a support user, all signed in
/// through auth.local. Everything is made through the API, as a deployment would.
struct TenancyWorld: Sendable {
    struct Side: Sendable {
        let org: String
        let team: String
        let orgAdmin: Actor
        let teamAdmin: Actor
        let member: Actor
    }

    static let password = "correct horse battery staple"

    let admin: Actor
    let support: Actor
    let a: Side
    let b: Side

    /// Boots tenancy + auth.local (`tenancy`, `local`: directives for their blocks; `extra`: more site.conf
    /// text) and builds the world.
    static func with<T: Sendable>(tenancy: String = "", local: String = "", extra: String = "", plugins: [any Plugin.Type] = [], logs: LogSink = .capture(),
                                  _ body: @escaping @Sendable (Kernel, any TestClientProtocol, TenancyWorld) async throws -> T) async throws -> T {
        let conf = """
            jobs {
                poll_interval 100ms
                backoff_base 100ms
                backoff_max 300ms
            }
            plugin tenancy {
                \(tenancy)
            }
            plugin auth.local {
                issuer https://lintel.test
                email_verification_required off
                login_rate off
                \(local)
            }
            \(extra)
            """
        return try await TestSite.withKernel(conf, plugins: [TenancyPlugin.self, LocalAuthPlugin.self] + plugins, logs: logs) { kernel, client in
            let world = try await build(kernel, client)
            return try await body(kernel, client, world)
        }
    }

    static func build(_ kernel: Kernel, _ client: any TestClientProtocol) async throws -> TenancyWorld {
        let admin = try await staff(kernel, client, email: "admin@lintel.test", roles: ["platform_admin", "user"])
        let support = try await staff(kernel, client, email: "support@lintel.test", roles: ["support_readonly", "user"])
        func side(_ name: String) async throws -> Side {
            let org = try await client.expect(.created, .post, "/api/v1/admin/orgs", ["name": .string("Org \(name.uppercased())"), "license_tier": "pro"], token: admin.token)
            let orgID = try org.id()
            let team = try await client.expect(.created, .post, "/api/v1/admin/teams", ["org_id": .string(orgID), "name": .string("Team \(name.uppercased())1")], token: admin.token)
            let teamID = try team.id()
            func member(_ who: String, orgRoles: [String], teamRoles: [String]?) async throws -> Actor {
                let email = "\(who)@\(name).test"
                let user = try await client.expect(.created, .post, "/api/v1/admin/users", ["email": .string(email), "password": .string(password)], token: admin.token)
                let userID = try user.id()
                _ = try await client.expect(.created, .post, "/api/v1/admin/memberships",
                                            ["user_id": .string(userID), "org_id": .string(orgID), "roles": .array(orgRoles.map { .string($0) })], token: admin.token)
                if let teamRoles {
                    _ = try await client.expect(.created, .post, "/api/v1/admin/teams/\(teamID)/members",
                                                ["user_id": .string(userID), "roles": .array(teamRoles.map { .string($0) })], token: admin.token)
                }
                return Actor(id: userID, email: email, token: try await client.signIn(email, password: password).access)
            }
            return Side(org: orgID, team: teamID, orgAdmin: try await member("owner", orgRoles: ["org_admin"], teamRoles: nil),
                        teamAdmin: try await member("lead", orgRoles: ["member"], teamRoles: ["team_admin"]),
                        member: try await member("dev", orgRoles: ["member"], teamRoles: ["member"]))
        }
        return TenancyWorld(admin: admin, support: support, a: try await side("a"), b: try await side("b"))
    }

    /// A platform-level account made the way `lintel createsuperuser` makes one, signed in.
    static func staff(_ kernel: Kernel, _ client: any TestClientProtocol, email: String, roles: [String]) async throws -> Actor {
        let directory = try kernel.services.require((any Directory).self, by: "test")
        let credentials = try kernel.services.require((any PasswordCredentials).self, by: "test")
        let hash = try await credentials.hash(password)
        let user = try await kernel.database.transaction { sql in
            let user = try await directory.createUser(NewUserAccount(email: email, platformRoles: roles, emailVerified: true), origin: EventOrigin(actorID: "test"), in: sql)
            try await credentials.store(hash: hash, userID: user.id, in: sql)
            return user
        }
        return Actor(id: user.id.uuidString.lowercased(), email: email, token: try await client.signIn(email, password: password).access)
    }

    /// A fresh member of `side`'s org (and, with `teamRoles`, of its team), signed in.
    func newMember(_ client: any TestClientProtocol, _ side: Side, email: String, orgRoles: [String] = ["member"], teamRoles: [String]? = nil) async throws -> Actor {
        let user = try await client.expect(.created, .post, "/api/v1/admin/users", ["email": .string(email), "password": .string(Self.password)], token: admin.token)
        let userID = try user.id()
        _ = try await client.expect(.created, .post, "/api/v1/admin/memberships",
                                    ["user_id": .string(userID), "org_id": .string(side.org), "roles": .array(orgRoles.map { .string($0) })], token: admin.token)
        if let teamRoles {
            _ = try await client.expect(.created, .post, "/api/v1/admin/teams/\(side.team)/members",
                                        ["user_id": .string(userID), "roles": .array(teamRoles.map { .string($0) })], token: admin.token)
        }
        return Actor(id: userID, email: email, token: try await client.signIn(email, password: Self.password).access)
    }
}

extension TestClientProtocol {
    /// Sends and checks the status, failing with the body when it differs.
    @discardableResult
    func expect(_ status: HTTPResponse.Status, _ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil, token: String? = nil,
                headers: HTTPFields = [:]) async throws -> TestResponse {
        let response = try await send(method, path, body, token: token, headers: headers)
        guard response.status == status else {
            throw UnexpectedResponse(description: "\(method.rawValue) \(path): expected \(status.code), got \(response.status.code): \(response.text)")
        }
        return response
    }
}

extension TestResponse {
    /// The `id` member of the body.
    func id() throws -> String {
        guard let id = json["id"]?.stringValue else { throw UnexpectedResponse(description: "no id in \(text)") }
        return id
    }

    var requestID: String { headers[HTTPField.Name("X-Request-ID")!] ?? "" }
}
