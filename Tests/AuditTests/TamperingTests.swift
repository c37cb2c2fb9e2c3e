@testable import Audit
import Crypto
import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import SQLKit
import Testing

/// Tampering done directly in the database — by someone who can write to it but holds neither the audit
/// key nor the checkpoint key — is detected and located: an edited field, a deleted row, an inserted row,
/// two rows swapped, the tail cut off after a checkpoint. Each tampering is undone afterwards, and the
/// chain verifies again, so each finding is exactly that tampering's.
@Suite("audit tampering")
struct TamperingTests {
    static func verify(_ client: any TestClientProtocol, _ world: TenancyWorld, _ org: String) async throws -> JSONValue {
        try await client.expect(.ok, .post, "/api/v1/audit/chain-verify", ["org_id": .string(org)], token: world.admin.token).json
    }

    @Test func eachKindOfTamperingIsDetectedAndLocated() async throws {
        try await AuditSite.with { kernel, client, world in
            let org = world.a.org
            try await kernel.appendEntries(12, org: org)
            try await kernel.auditCaughtUp()
            #expect(try await Self.verify(client, world, org)["valid"] == true)
            let entries = try await kernel.auditEntries("chain = \(bind: org)")
            let fifth = try #require(entries.first { $0.sequence == 5 })
            let sixth = try #require(entries.first { $0.sequence == 6 })
            let last = try #require(entries.last?.sequence)
            let database = kernel.database
            func run(_ query: SQLQueryString) async throws { try await database.transaction { sql in try await sql.raw(query).run() } }
            func restore(_ entries: [AuditEntry]) async throws {
                try await database.transaction { sql in
                    for entry in entries { try await sql.raw("DELETE FROM audit_entries WHERE id = \(bind: entry.id)").run() }
                    try await kernel.audit.trail.insert(entries, in: sql)
                }
            }

            // 1. A field edited.
            try await run("UPDATE audit_entries SET details = '{\"covered\":\"up\"}' WHERE id = \(bind: fifth.id)")
            var report = try await Self.verify(client, world, org)
            #expect(report["valid"] == false)
            #expect(report["problem"]?["kind"] == "edited")
            #expect(report["problem"]?["sequence"] == 5)
            #expect(report["problem"]?["entry_id"] == .string(fifth.id.uuidString.lowercased()))
            #expect(report["entries_checked"] == 4)
            let single = try await client.expect(.ok, .post, "/api/v1/audit/verify", ["audit_id": .string(fifth.id.uuidString)], token: world.admin.token).json
            #expect(single["valid"] == false)
            #expect(single["signature_valid"] == false)
            try await restore([fifth])
            #expect(try await Self.verify(client, world, org)["valid"] == true)

            // 2. A row deleted.
            try await run("DELETE FROM audit_entries WHERE id = \(bind: fifth.id)")
            report = try await Self.verify(client, world, org)
            #expect(report["problem"]?["kind"] == "deleted")
            #expect(report["problem"]?["sequence"] == 5)
            #expect(report["problem"]?["detail"]?.stringValue?.contains("entry 5 is missing") == true)
            try await restore([fifth])

            // 3. A row inserted: later rows renumbered, a forged row (hash recomputed, no key) put at 5.
            try await run("UPDATE audit_entries SET sequence = sequence + 1000 WHERE chain = \(bind: org) AND sequence >= 5")
            try await run("UPDATE audit_entries SET sequence = sequence - 999 WHERE chain = \(bind: org) AND sequence >= 1005")
            var forged = fifth
            forged.id = UUID()
            forged.eventID = nil
            forged.action = "org.updated"
            forged.details = "{\"note\":\"nothing happened\"}"
            forged.previousHash = try #require(entries.first { $0.sequence == 4 }?.entryHash)
            forged.entryHash = Hex.string(SHA256.hash(data: forged.canonical))
            forged.signature = String(repeating: "ab", count: 32)
            let planted = forged
            try await database.transaction { sql in try await kernel.audit.trail.insert([planted], in: sql) }
            report = try await Self.verify(client, world, org)
            #expect(report["problem"]?["kind"] == "inserted")
            #expect(report["problem"]?["sequence"] == 5)
            #expect(report["problem"]?["entry_id"] == .string(forged.id.uuidString.lowercased()))
            try await run("DELETE FROM audit_entries WHERE id = \(bind: forged.id)")
            try await run("UPDATE audit_entries SET sequence = sequence + 1000 WHERE chain = \(bind: org) AND sequence >= 6")
            try await run("UPDATE audit_entries SET sequence = sequence - 1001 WHERE chain = \(bind: org) AND sequence >= 1006")
            #expect(try await Self.verify(client, world, org)["valid"] == true)

            // 4. Two rows swapped.
            try await run("UPDATE audit_entries SET sequence = 1000 WHERE id = \(bind: fifth.id)")
            try await run("UPDATE audit_entries SET sequence = 5 WHERE id = \(bind: sixth.id)")
            try await run("UPDATE audit_entries SET sequence = 6 WHERE id = \(bind: fifth.id)")
            report = try await Self.verify(client, world, org)
            #expect(report["problem"]?["kind"] == "reordered")
            #expect(report["problem"]?["sequence"] == 5)
            #expect(report["problem"]?["detail"]?.stringValue?.contains("written as sequence 6 but is stored as 5") == true)
            try await restore([fifth, sixth])
            #expect(try await Self.verify(client, world, org)["valid"] == true)

            // 5. The tail cut off after a checkpoint, the chain's head rewritten to hide it.
            try await client.expect(.created, .post, "/api/v1/audit/checkpoints", ["chain": .string(org)], token: world.admin.token)
            let tail = try await kernel.auditEntries("chain = \(bind: org) AND sequence > \(bind: last - 3)")
            try await run("DELETE FROM audit_entries WHERE chain = \(bind: org) AND sequence > \(bind: last - 3)")
            let newLast = try #require(entries.first { $0.sequence == last - 3 })
            try await run("UPDATE audit_chains SET last_sequence = \(bind: last - 3), last_hash = \(bind: newLast.entryHash) WHERE chain = \(bind: org)")
            report = try await Self.verify(client, world, org)
            #expect(report["problem"]?["kind"] == "truncated")
            #expect(report["problem"]?["sequence"] == .int(Int(last - 2)))
            #expect(report["problem"]?["detail"]?.stringValue?.contains("were cut off") == true)
            // The nightly verification turns it into an alert.
            _ = try await kernel.audit.verifyAll()
            #expect(await kernel.alertsJSON().contains { $0["id"] == .string("audit.chain:\(org)") && $0["severity"] == "critical" })
            try await restore(tail)
            try await run("UPDATE audit_chains SET last_sequence = \(bind: last), last_hash = \(bind: entries.last?.entryHash ?? "") WHERE chain = \(bind: org)")
            #expect(try await Self.verify(client, world, org)["valid"] == true)
            _ = try await kernel.audit.verifyAll()
            #expect(await kernel.alertsJSON().contains { $0["id"] == .string("audit.chain:\(org)") } == false)
        }
    }

    @Test func aRewrittenChainDoesNotMatchItsSignedCheckpoint() async throws {
        try await AuditSite.with { kernel, client, world in
            let org = world.b.org
            try await kernel.appendEntries(6, org: org)
            try await kernel.auditCaughtUp()
            try await client.expect(.created, .post, "/api/v1/audit/checkpoints", ["chain": .string(org)], token: world.admin.token)
            // Someone who stole the audit HMAC key (but not the checkpoint key) rewrites entry 3 and re-signs
            // the rest of the chain: every link and signature checks out, the signed checkpoint does not.
            let service = try kernel.audit
            try await kernel.database.transaction { sql in
                var entries = try await sql.raw("SELECT \(unsafeRaw: AuditEntry.columns) FROM audit_entries WHERE chain = \(bind: org) ORDER BY sequence").all()
                    .map(AuditEntry.decode)
                var previous = entries[1].entryHash
                for index in 2..<entries.count {
                    if index == 2 { entries[index].details = "{\"rewritten\":true}" }
                    entries[index].previousHash = previous
                    entries[index].seal(with: service.trail.key)
                    previous = entries[index].entryHash
                    try await sql.raw("DELETE FROM audit_entries WHERE id = \(bind: entries[index].id)").run()
                }
                try await service.trail.insert(Array(entries[2...]), in: sql)
                try await sql.raw("UPDATE audit_chains SET last_hash = \(bind: previous) WHERE chain = \(bind: org)").run()
            }
            let total = try await kernel.count("SELECT COUNT(*) AS n FROM audit_entries WHERE chain = \(bind: org)")
            let report = try await client.expect(.ok, .post, "/api/v1/audit/chain-verify", ["org_id": .string(org)], token: world.admin.token).json
            #expect(report["valid"] == false)
            #expect(report["problem"]?["kind"] == "checkpoint")
            #expect(report["entries_checked"] == .int(total), "every entry and link checked out on its own")
        }
    }
}
