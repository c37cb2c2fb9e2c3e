@testable import Audit
import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// What reaches the trail: every domain event as a signed entry in its org's chain, with its changes,
/// denials, and never personal data beyond what the PII policy lets through.
@Suite("audit trail")
struct AuditTrailTests {
    @Test func domainEventsBecomeSignedEntriesInTheirOrgsChain() async throws {
        try await AuditSite.with { kernel, client, world in
            let a = world.a
            let created = try await client.expect(.created, .post, "/api/v1/orgs/\(a.org)/teams", ["name": "Research"], token: a.orgAdmin.token,
                                                  headers: [.userAgent: "curl/8.5.0"])
            let team = try created.id()
            try await client.expect(.ok, .patch, "/api/v1/orgs/\(a.org)/teams/\(team)", ["name": "Research & Development"], token: a.orgAdmin.token)
            try await kernel.auditCaughtUp()
            let entries = try await kernel.auditEntries("resource_id = \(bind: team)")
            #expect(entries.map(\.action) == ["team.created", "team.updated"])
            let first = try #require(entries.first)
            #expect(first.chain == a.org, "one chain per org")
            #expect(first.orgID == a.org)
            #expect(first.resourceType == "team")
            #expect(first.actorID == a.orgAdmin.id)
            #expect(first.requestID == created.requestID)
            #expect(first.userAgent == "c***", "the user agent is personal data under the default mask policy")
            let update = try #require(entries.last)
            #expect(update.changes == #"{"name":{"new":"Research & Development","old":"Research"}}"#)
            #expect(update.previousHash == first.entryHash || update.sequence > first.sequence + 1)
            // The API shows the reference's fields.
            let shown = try await client.expect(.ok, .get, "/api/v1/audit/\(update.id.uuidString.lowercased())", token: world.admin.token).json
            #expect(shown["action"] == "team.updated")
            #expect(shown["changes"]?["name"]?["old"] == "Research")
            #expect(shown["signature"]?.stringValue?.count == 64)
            #expect(shown["previous_hash"]?.stringValue?.count == 64)
            #expect(shown["timestamp"]?.stringValue?.hasSuffix("Z") == true)
            let verified = try await client.expect(.ok, .post, "/api/v1/audit/verify", ["audit_id": .string(update.id.uuidString)], token: world.admin.token).json
            #expect(verified["valid"] == true)
            let chain = try await client.expect(.ok, .post, "/api/v1/audit/chain-verify", ["org_id": .string(a.org)], token: world.admin.token).json
            #expect(chain["valid"] == true)
            guard case .int(let checked)? = chain["entries_checked"] else { Issue.record("no count"); return }
            #expect(checked >= 2)
            // Platform-level events (a new user, here) go to the platform chain.
            let platform = try await kernel.auditEntries("chain = 'platform' AND action = 'user.created'")
            #expect(!platform.isEmpty)
        }
    }

    @Test(arguments: AuditSettings.PIIPolicy.allCases)
    func personalDataNeverReachesTheTable(policy: AuditSettings.PIIPolicy) async throws {
        try await AuditSite.with(audit: "pii_policy \(policy.rawValue)") { kernel, client, world in
            let email = "Grace.Hopper@Example.com"
            let user = try await client.expect(.created, .post, "/api/v1/admin/users", ["email": .string(email), "first_name": "Grace", "last_name": "Hopper"],
                                               token: world.admin.token, headers: [.userAgent: "Mozilla/5.0 (X11; Linux)"]).id()
            try await client.expect(.ok, .put, "/api/v1/admin/users/\(user)", ["first_name": "Amazing Grace"], token: world.admin.token)
            try await kernel.auditCaughtUp()
            let rows = try await kernel.strings("""
                SELECT changes || ' ' || details || ' ' || COALESCE(actor_ip, '') || ' ' || COALESCE(user_agent, '') AS text FROM audit_entries
                WHERE resource_id = \(bind: user)
                """, column: "text")
            #expect(rows.count == 2)
            let text = rows.joined(separator: "\n")
            for secret in ["Grace.Hopper", "grace.hopper", "Hopper", "Amazing Grace", "Mozilla/5.0", "127.0.0.1"] {
                #expect(!text.contains(secret), "\(secret) under \(policy)")
            }
            let entries = try await kernel.auditEntries("resource_id = \(bind: user)")
            let created = try #require(entries.first { $0.action == "user.created" })
            let changes = try JSONDecoder().decode(JSONValue.self, from: Data(created.changes.utf8))
            switch policy {
            case .mask:
                #expect(changes["email"]?["new"] == "G***@Example.com")
                #expect(changes["first_name"]?["new"] == "G***")
                #expect(changes["status"]?["new"] == "active", "other fields are kept")
            case .hash:
                let hashed = try #require(changes["email"]?["new"]?.stringValue)
                #expect(hashed.hasPrefix("hmac-sha256:"))
                // Keyed and deterministic: the same address is linkable across entries, and searchable.
                let search = try await client.expect(.ok, .get, "/api/v1/audit?q=grace.hopper@example.com", token: world.admin.token).json
                #expect(search["results"]?.arrayValue?.contains { $0["resource_id"] == .string(user) } == true)
            case .drop:
                #expect(changes["email"] == nil)
                #expect(changes["first_name"] == nil)
                #expect(changes["status"]?["new"] == "active")
                #expect(created.userAgent == nil)
            }
            #expect(created.check(with: try kernel.audit.trail.key).signatureOK, "entries are signed after redaction")
        }
    }

    @Test func authorizationDenialsAreRecorded() async throws {
        try await AuditSite.with { kernel, client, world in
            let denied = try await client.expect(.forbidden, .get, "/api/v1/admin/users", token: world.a.member.token)
            try await eventually("the denial is written") {
                try await kernel.count("SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'authz.denied' AND request_id = \(bind: denied.requestID)") == 1
            }
            let entry = try #require(try await kernel.auditEntries("action = 'authz.denied' AND request_id = \(bind: denied.requestID)").first)
            #expect(entry.actorID == world.a.member.id)
            #expect(entry.resourceType == "admin_api")
            #expect(entry.orgID == world.a.org, "filed under the org the principal acted in")
            let details = try JSONDecoder().decode(JSONValue.self, from: Data(entry.details.utf8))
            #expect(details["action"] == "read")
            // A denial against another org's resource is filed in that org's chain, for its admins to see.
            try await client.expect(.notFound, .get, "/api/v1/orgs/\(world.b.org)", token: world.a.member.token)
            try await eventually("the cross-org denial is written") {
                try await kernel.count("SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'authz.denied' AND chain = \(bind: world.b.org)") >= 1
            }
        }
    }

    @Test func loginsAndLockoutsAreInTheTrail() async throws {
        try await AuditSite.with(local: "max_failed_attempts 2") { kernel, client, world in
            for _ in 0..<2 {
                try await client.expect(.unauthorized, .post, "/api/v1/auth/login", ["email": .string(world.a.member.email), "password": "not the password"])
            }
            try await kernel.auditCaughtUp()
            let actions = try await kernel.auditEntries("actor_id = \(bind: world.a.member.id) AND action LIKE 'auth.%'").map(\.action)
            #expect(actions.contains("auth.login_succeeded"))
            #expect(actions.filter { $0 == "auth.login_failed" }.count == 2)
            #expect(actions.contains("auth.account_locked"))
        }
    }
}
