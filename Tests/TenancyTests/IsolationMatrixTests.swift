import Foundation
import HTTPTypes
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Synchronization
import Testing

/// Every tenancy endpoint × every role × own org / foreign org, with the exact status each cell must
/// answer. Tenant roles (org admin, team admin, member) belong to org A; "own" targets org A's
/// resources, "foreign" org B's. Platform staff belong to no org: both columns are the same for them.
/// Cells that create or delete get fresh targets, so a success in one cell never changes another.
@Suite("tenant isolation matrix")
struct IsolationMatrixTests {
    enum Role: String, CaseIterable, Sendable {
        case platformAdmin = "platform_admin", support = "support_readonly", orgAdmin = "org_admin", teamAdmin = "team_admin", member = "user", anonymous
    }

    typealias Statuses = [Role: Int]

    struct Case: Sendable {
        let method: HTTPRequest.Method
        let path: String
        let body: JSONValue?
        let own: Statuses
        let foreign: Statuses
        /// Extra placeholders for one cell (fresh resources in the target side's org).
        let prepare: @Sendable (Fixture) async throws -> [String: String]
    }

    /// What a cell's preparation can use.
    struct Fixture: Sendable {
        let client: any TestClientProtocol
        let world: TenancyWorld
        let side: TenancyWorld.Side
        let unique: String

        var admin: String { world.admin.token }

        func freshTeam() async throws -> String {
            try await client.expect(.created, .post, "/api/v1/admin/teams", ["org_id": .string(side.org), "name": .string("Fresh \(unique)")], token: admin).id()
        }

        /// A user outside every org (no password: it never signs in).
        func freshUser() async throws -> String {
            try await client.expect(.created, .post, "/api/v1/admin/users", ["email": .string("fresh-\(unique)@x.test")], token: admin).id()
        }

        /// A member of the side's org, optionally of its team too; returns the user and the org membership.
        func freshMember(inTeam: Bool = false) async throws -> (user: String, membership: String) {
            let user = try await freshUser()
            let membership = try await client.expect(.created, .post, "/api/v1/admin/memberships", ["user_id": .string(user), "org_id": .string(side.org)], token: admin).id()
            if inTeam { try await client.expect(.created, .post, "/api/v1/admin/teams/\(side.team)/members", ["user_id": .string(user)], token: admin) }
            return (user, membership)
        }

        func freshOrg() async throws -> String {
            try await client.expect(.created, .post, "/api/v1/admin/orgs", ["name": .string("Fresh \(unique)")], token: admin).id()
        }

        func invitedUser() async throws -> String {
            try await client.expect(.created, .post, "/api/v1/admin/users/invite", ["email": .string("invited-\(unique)@x.test")], token: admin).id()
        }

        func memberMembership() async throws -> String {
            let list = try await client.expect(.ok, .get, "/api/v1/admin/users/\(side.member.id)/memberships", token: admin).json
            return list["results"]?.arrayValue?.first { $0["team_id"] == .null && $0["org_id"] == .string(side.org) }?["id"]?.stringValue ?? ""
        }
    }

    /// Platform admin API: staff only, reads for support; the same for every org.
    static func admin(_ success: Int, read: Bool) -> Statuses {
        [.platformAdmin: success, .support: read ? success : 403, .orgAdmin: 403, .teamAdmin: 403, .member: 403, .anonymous: 401]
    }

    /// Org-scoped API: members of the org as given; strangers get 404, as if it did not exist.
    static func scoped(pa: Int, sr: Int, oa: Int, ta: Int, m: Int) -> (own: Statuses, foreign: Statuses) {
        ([.platformAdmin: pa, .support: sr, .orgAdmin: oa, .teamAdmin: ta, .member: m, .anonymous: 401],
         [.platformAdmin: pa, .support: sr, .orgAdmin: 404, .teamAdmin: 404, .member: 404, .anonymous: 401])
    }

    static func adminCase(_ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil, _ success: Int,
                          prepare: @escaping @Sendable (Fixture) async throws -> [String: String] = { _ in [:] }) -> Case {
        let statuses = admin(success, read: method == .get)
        return Case(method: method, path: path, body: body, own: statuses, foreign: statuses, prepare: prepare)
    }

    static func scopedCase(_ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil, pa: Int, sr: Int, oa: Int, ta: Int, m: Int,
                           prepare: @escaping @Sendable (Fixture) async throws -> [String: String] = { _ in [:] }) -> Case {
        let (own, foreign) = scoped(pa: pa, sr: sr, oa: oa, ta: ta, m: m)
        return Case(method: method, path: path, body: body, own: own, foreign: foreign, prepare: prepare)
    }

    static let cases: [Case] = [
        // Platform admin API.
        adminCase(.get, "/admin/orgs", nil, 200),
        adminCase(.post, "/admin/orgs", ["name": "New {unique}"], 201),
        adminCase(.get, "/admin/orgs/{org}", nil, 200),
        adminCase(.put, "/admin/orgs/{org}", ["name": "Renamed {unique}"], 200),
        adminCase(.patch, "/admin/orgs/{org}", ["name": "Patched {unique}"], 200),
        adminCase(.delete, "/admin/orgs/{fresh}", nil, 204) { ["fresh": try await $0.freshOrg()] },
        adminCase(.get, "/admin/teams", nil, 200),
        adminCase(.post, "/admin/teams", ["org_id": "{org}", "name": "New {unique}"], 201),
        adminCase(.get, "/admin/teams/{team}", nil, 200),
        adminCase(.put, "/admin/teams/{team}", ["description": "Changed {unique}"], 200),
        adminCase(.delete, "/admin/teams/{fresh}", nil, 204) { ["fresh": try await $0.freshTeam()] },
        adminCase(.get, "/admin/teams/{team}/members", nil, 200),
        adminCase(.post, "/admin/teams/{team}/members", ["user_id": "{fresh}"], 201) { ["fresh": try await $0.freshMember().user] },
        adminCase(.get, "/admin/users", nil, 200),
        adminCase(.post, "/admin/users", ["email": "new-{unique}@x.test"], 201),
        adminCase(.post, "/admin/users/invite", ["email": "invite-{unique}@x.test", "org_id": "{org}"], 201),
        adminCase(.get, "/admin/users/{member}", nil, 200),
        adminCase(.put, "/admin/users/{member}", ["first_name": "Renamed"], 200),
        adminCase(.delete, "/admin/users/{fresh}", nil, 204) { ["fresh": try await $0.freshUser()] },
        adminCase(.get, "/admin/users/{member}/memberships", nil, 200),
        adminCase(.post, "/admin/users/{fresh}/memberships", ["org_id": "{org}"], 201) { ["fresh": try await $0.freshUser()] },
        adminCase(.post, "/admin/users/{fresh}/resend-invite", nil, 200) { ["fresh": try await $0.invitedUser()] },
        // A platform admin without a second factor may not impersonate; nobody else may at all.
        adminCase(.post, "/admin/users/{member}/impersonate", ["reason": "checking a support ticket"], 403),
        adminCase(.get, "/admin/memberships", nil, 200),
        adminCase(.post, "/admin/memberships", ["user_id": "{fresh}", "org_id": "{org}"], 201) { ["fresh": try await $0.freshUser()] },
        adminCase(.get, "/admin/memberships/{membership}", nil, 200) { ["membership": try await $0.memberMembership()] },
        adminCase(.put, "/admin/memberships/{membership}", ["roles": ["member"]], 200) { ["membership": try await $0.memberMembership()] },
        adminCase(.delete, "/admin/memberships/{fresh}", nil, 204) { ["fresh": try await $0.freshMember().membership] },
        adminCase(.get, "/admin/settings/site", nil, 200),
        adminCase(.put, "/admin/settings/site", ["site_name": "Site {unique}"], 200),
        adminCase(.get, "/admin/impersonation/logs", nil, 200),
        adminCase(.get, "/admin/alerts", nil, 200),

        // Org-scoped API.
        scopedCase(.get, "/orgs/{org}", pa: 200, sr: 200, oa: 200, ta: 200, m: 200),
        scopedCase(.put, "/orgs/{org}", ["name": "Renamed {unique}"], pa: 200, sr: 403, oa: 200, ta: 403, m: 403),
        scopedCase(.put, "/orgs/{org}", ["license_tier": "enterprise"], pa: 200, sr: 403, oa: 403, ta: 403, m: 403),
        scopedCase(.get, "/orgs/{org}/teams", pa: 200, sr: 200, oa: 200, ta: 200, m: 200),
        scopedCase(.post, "/orgs/{org}/teams", ["name": "New {unique}"], pa: 201, sr: 403, oa: 201, ta: 403, m: 403),
        scopedCase(.get, "/orgs/{org}/teams/{team}", pa: 200, sr: 200, oa: 200, ta: 200, m: 200),
        scopedCase(.put, "/orgs/{org}/teams/{team}", ["description": "Changed {unique}"], pa: 200, sr: 403, oa: 200, ta: 200, m: 403),
        scopedCase(.delete, "/orgs/{org}/teams/{fresh}", pa: 204, sr: 403, oa: 204, ta: 403, m: 403) { ["fresh": try await $0.freshTeam()] },
        scopedCase(.get, "/orgs/{org}/members", pa: 200, sr: 200, oa: 200, ta: 200, m: 200),
        scopedCase(.post, "/orgs/{org}/members", ["email": "join-{unique}@x.test"], pa: 201, sr: 403, oa: 201, ta: 403, m: 403),
        scopedCase(.put, "/orgs/{org}/members/{member}", ["roles": ["member"]], pa: 200, sr: 403, oa: 200, ta: 403, m: 403),
        scopedCase(.delete, "/orgs/{org}/members/{fresh}", pa: 204, sr: 403, oa: 204, ta: 403, m: 403) { ["fresh": try await $0.freshMember().user] },
        scopedCase(.get, "/orgs/{org}/teams/{team}/members", pa: 200, sr: 200, oa: 200, ta: 200, m: 200),
        scopedCase(.post, "/orgs/{org}/teams/{team}/members", ["user_id": "{fresh}"], pa: 201, sr: 403, oa: 201, ta: 201, m: 403) {
            ["fresh": try await $0.freshMember().user]
        },
        scopedCase(.put, "/orgs/{org}/teams/{team}/members/{member}", ["roles": ["member"]], pa: 200, sr: 403, oa: 200, ta: 200, m: 403),
        scopedCase(.delete, "/orgs/{org}/teams/{team}/members/{fresh}", pa: 204, sr: 403, oa: 204, ta: 204, m: 403) {
            ["fresh": try await $0.freshMember(inTeam: true).user]
        },
        scopedCase(.get, "/orgs/{org}/license", pa: 200, sr: 200, oa: 200, ta: 403, m: 403),
        scopedCase(.put, "/orgs/{org}/license", ["tier": "pro"], pa: 200, sr: 403, oa: 403, ta: 403, m: 403),

        // Public.
        Case(method: .get, path: "/settings/site", body: nil, own: Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0, 200) }),
             foreign: Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0, 200) }), prepare: { _ in [:] }),
    ]

    @Test func everyEndpointAnswersEveryRoleExactlyInItsOwnAndAForeignOrg() async throws {
        try await TenancyWorld.with { _, client, world in
            let counter = Atomic<Int>(0)
            var mismatches: [String] = []
            var cells = 0
            for testCase in Self.cases {
                for (column, side, expected) in [("own", world.a, testCase.own), ("foreign", world.b, testCase.foreign)] {
                    for role in Role.allCases {
                        let unique = "\(counter.add(1, ordering: .relaxed).newValue)"
                        let fixture = Fixture(client: client, world: world, side: side, unique: unique)
                        var values = ["org": side.org, "team": side.team, "member": side.member.id, "unique": unique]
                        for (key, value) in try await testCase.prepare(fixture) { values[key] = value }
                        let path = "/api/v1" + Self.fill(testCase.path, values)
                        let body = testCase.body.map { Self.fill($0, values) }
                        let response = try await client.send(testCase.method, path, body, token: Self.token(role, world))
                        cells += 1
                        let status = Int(response.status.code)
                        if status != expected[role] {
                            mismatches.append("\(testCase.method.rawValue) \(testCase.path) as \(role.rawValue) (\(column)): expected \(expected[role] ?? 0), got \(status) \(response.text.prefix(160))")
                        }
                        if status >= 400 {
                            #expect(response.headers[.contentType] == "application/problem+json", "\(testCase.method.rawValue) \(path) as \(role.rawValue)")
                        }
                    }
                }
            }
            #expect(mismatches.isEmpty, Comment(rawValue: "\(mismatches.count) of \(cells) cells differ:\n" + mismatches.joined(separator: "\n")))
            #expect(cells == Self.cases.count * 2 * Role.allCases.count)
        }
    }

    static func token(_ role: Role, _ world: TenancyWorld) -> String? {
        switch role {
        case .platformAdmin: world.admin.token
        case .support: world.support.token
        case .orgAdmin: world.a.orgAdmin.token
        case .teamAdmin: world.a.teamAdmin.token
        case .member: world.a.member.token
        case .anonymous: nil
        }
    }

    static func fill(_ text: String, _ values: [String: String]) -> String {
        values.reduce(text) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }

    static func fill(_ value: JSONValue, _ values: [String: String]) -> JSONValue {
        switch value {
        case .string(let text): .string(fill(text, values))
        case .array(let items): .array(items.map { fill($0, values) })
        case .object(let members): .object(members.mapValues { fill($0, values) })
        default: value
        }
    }
}
