@testable import Audit
import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// Who sees which entries, the filters, and the streamed export.
@Suite("audit access")
struct AuditAccessTests {
    static func all(_ client: any TestClientProtocol, _ path: String, token: String) async throws -> [JSONValue] {
        var results: [JSONValue] = []
        var next: String? = path
        while let link = next {
            let page = try await client.expect(.ok, .get, link, token: token).json
            results += page["results"]?.arrayValue ?? []
            next = page["next"]?.stringValue
        }
        return results
    }

    @Test func orgAdminsSeeTheirOrgAndEveryoneElseTheirOwnActions() async throws {
        try await AuditSite.with { kernel, client, world in
            let (a, b) = (world.a, world.b)
            try await client.expect(.created, .post, "/api/v1/orgs/\(a.org)/teams", ["name": "A-team"], token: a.orgAdmin.token)
            try await client.expect(.created, .post, "/api/v1/orgs/\(b.org)/teams", ["name": "B-team"], token: b.orgAdmin.token)
            try await client.expect(.ok, .patch, "/api/v1/orgs/\(a.org)/teams/\(a.team)", ["description": "lead's change"], token: a.teamAdmin.token)
            try await kernel.auditCaughtUp()

            let orgAdmin = try await Self.all(client, "/api/v1/audit?limit=7", token: a.orgAdmin.token)
            #expect(!orgAdmin.isEmpty)
            #expect(orgAdmin.allSatisfy { $0["org_id"] == .string(a.org) }, "an org admin sees their org only")
            #expect(orgAdmin.count == (try await kernel.count("SELECT COUNT(*) AS n FROM audit_entries WHERE org_id = \(bind: a.org)")))
            let times = orgAdmin.compactMap { $0["timestamp"]?.stringValue }
            #expect(times == times.sorted(by: >), "newest first, across pages")

            let lead = try await Self.all(client, "/api/v1/audit", token: a.teamAdmin.token)
            #expect(!lead.isEmpty)
            #expect(lead.allSatisfy { $0["actor_id"] == .string(a.teamAdmin.id) }, "a user sees their own actions")

            let admin = try await Self.all(client, "/api/v1/audit?limit=200", token: world.admin.token)
            let orgs = Set(admin.compactMap { $0["org_id"]?.stringValue })
            #expect(orgs.contains(a.org) && orgs.contains(b.org))
            let support = try await client.expect(.ok, .get, "/api/v1/audit?org_id=\(b.org)", token: world.support.token).json
            #expect(support["results"]?.arrayValue?.allSatisfy { $0["org_id"] == .string(b.org) } == true)

            // Naming another org is refused; filters never widen the scope.
            try await client.expect(.forbidden, .get, "/api/v1/audit?org_id=\(b.org)", token: a.orgAdmin.token)
            let byActor = try await client.expect(.ok, .get, "/api/v1/audit?actor_id=\(b.orgAdmin.id)", token: a.orgAdmin.token).json
            #expect(byActor["count"] == 0)
            let bEntry = try #require(admin.first { $0["org_id"] == .string(b.org) }?["id"]?.stringValue)
            try await client.expect(.notFound, .get, "/api/v1/audit/\(bEntry)", token: a.orgAdmin.token)
            try await client.expect(.ok, .get, "/api/v1/audit/\(bEntry)", token: b.orgAdmin.token)
            try await client.expect(.unauthorized, .get, "/api/v1/audit")
            // Verification and checkpoints are platform admins'.
            try await client.expect(.forbidden, .post, "/api/v1/audit/chain-verify", ["org_id": .string(a.org)], token: a.orgAdmin.token)
            try await client.expect(.forbidden, .post, "/api/v1/audit/verify", ["audit_id": .string(bEntry)], token: world.support.token)
        }
    }

    @Test func filtersNarrowTheList() async throws {
        try await AuditSite.with { kernel, client, world in
            let a = world.a
            let team = try await client.expect(.created, .post, "/api/v1/orgs/\(a.org)/teams", ["name": "Findable Falcons"], token: a.orgAdmin.token).id()
            try await kernel.appendEntries(3, org: a.org, action: "test.old", age: 10 * 86_400)
            try await kernel.auditCaughtUp()
            let token = world.admin.token
            let byResource = try await client.expect(.ok, .get, "/api/v1/audit?resource_type=team&resource_id=\(team)", token: token).json
            #expect(byResource["results"]?.arrayValue?.map { $0["action"] } == ["team.created"])
            let family = try await client.expect(.ok, .get, "/api/v1/audit?action=membership.*&org_id=\(a.org)", token: token).json
            #expect(family["results"]?.arrayValue?.allSatisfy { $0["action"]?.stringValue?.hasPrefix("membership.") == true } == true)
            #expect(family["count"] == 5, "three org memberships and two team memberships")
            let text = try await client.expect(.ok, .get, "/api/v1/audit?q=falcons", token: token).json
            #expect(text["results"]?.arrayValue?.map { $0["resource_id"] } == [.string(team)])
            let day = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-10 * 86_400)).prefix(10)
            let old = try await client.expect(.ok, .get, "/api/v1/audit?start_date=\(day)&end_date=\(day)", token: token).json
            #expect(old["results"]?.arrayValue?.map { $0["action"] } == ["test.old", "test.old", "test.old"])
            try await client.expect(.unprocessableContent, .get, "/api/v1/audit?start_date=yesterday", token: token)
        }
    }

    @Test func exportsStreamEveryEntryAsCSVOrJSON() async throws {
        try await AuditSite.with { kernel, client, world in
            let a = world.a
            try await kernel.appendEntries(2_500, org: a.org, action: "bulk.thing", details: ["note": "comma, \"quote\" and\nnewline", "formula": "=1+1"])
            try await kernel.auditCaughtUp()
            // Pro tier: no audit_export for the org admin; enterprise has it.
            try await client.expect(.forbidden, .get, "/api/v1/audit/export", token: a.orgAdmin.token)
            try await client.expect(.ok, .put, "/api/v1/orgs/\(a.org)/license", ["tier": "enterprise"], token: world.admin.token)
            try await kernel.auditCaughtUp()
            let total = try await kernel.count("SELECT COUNT(*) AS n FROM audit_entries WHERE org_id = \(bind: a.org)")
            let csv = try await client.expect(.ok, .get, "/api/v1/audit/export?format=csv", token: a.orgAdmin.token)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentLength] == nil, "streamed, not buffered")
            #expect(csv.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"audit-") == true)
            // Python's csv module reads it back: every entry, every column, quotes and newlines intact.
            let check = """
                import csv, io, json, sys
                rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
                bulk = [r for r in rows if r["action"] == "bulk.thing"]
                print(json.dumps({"rows": len(rows), "bulk": len(bulk), "orgs": sorted(set(r["org_id"] for r in rows)), "details": json.loads(bulk[0]["details"])}))
                """
            let folder = TemporaryDirectory()
            let output = try await Shell.run(SMTPSink.python, "-c", check, folder.write("audit.csv", csv.text))
            withExtendedLifetime(folder) {}
            let parsed = try JSONDecoder().decode(JSONValue.self, from: Data(output.utf8))
            #expect(parsed["rows"] == .int(total))
            #expect(parsed["bulk"] == 2_500)
            #expect(parsed["orgs"] == [.string(a.org)])
            #expect(parsed["details"]?["note"] == "comma, \"quote\" and\nnewline")
            #expect(csv.text.contains("'=1+1") == false, "details are JSON, the formula is inside a quoted cell")

            let json = try await client.expect(.ok, .get, "/api/v1/audit/export?format=json&action=bulk.thing", token: world.admin.token)
            let entries = try #require(json.json.arrayValue)
            #expect(entries.count == 2_500)
            #expect(entries.first?["details"]?["formula"] == "=1+1")
            try await client.expect(.unprocessableContent, .get, "/api/v1/audit/export?format=xml", token: world.admin.token)
        }
    }
}
