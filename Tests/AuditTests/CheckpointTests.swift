@testable import Audit
import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// Signed checkpoints, inclusion and consistency proofs — checked by an independent implementation of
/// RFC 9162's verification algorithms (Python, with `cryptography` for Ed25519) — and retention.
@Suite("audit checkpoints and retention")
struct CheckpointTests {
    /// Verifies, from what the API published: both checkpoints' Ed25519 signatures, their roots recomputed
    /// from the entry hashes, every inclusion proof, and the consistency proof.
    static let verifier = #"""
        import base64, hashlib, json, sys
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        data = json.load(open(sys.argv[1]))
        node = lambda l, r: hashlib.sha256(b"\x01" + l + r).digest()
        leaf = lambda entry_hash: hashlib.sha256(b"\x00" + bytes.fromhex(entry_hash)).digest()

        def mth(leaves):
            if len(leaves) == 0: return hashlib.sha256(b"").digest()
            if len(leaves) == 1: return leaves[0]
            k = 1
            while k * 2 < len(leaves): k *= 2
            return node(mth(leaves[:k]), mth(leaves[k:]))

        def inclusion(index, size, leaf_hash, proof, root):
            if index >= size: return False
            fn, sn, r = index, size - 1, leaf_hash
            for p in proof:
                if sn == 0: return False
                if fn & 1 or fn == sn:
                    r = node(p, r)
                    while not fn & 1 and fn != 0:
                        fn >>= 1; sn >>= 1
                else:
                    r = node(r, p)
                fn >>= 1; sn >>= 1
            return sn == 0 and r == root

        def consistency(first, second, first_root, second_root, proof):
            if first == second: return not proof and first_root == second_root
            if first & (first - 1) == 0: proof = [first_root] + proof
            fn, sn = first - 1, second - 1
            while fn & 1:
                fn >>= 1; sn >>= 1
            fr = sr = proof[0]
            for c in proof[1:]:
                if sn == 0: return False
                if fn & 1 or fn == sn:
                    fr, sr = node(c, fr), node(c, sr)
                    while not fn & 1 and fn != 0:
                        fn >>= 1; sn >>= 1
                else:
                    sr = node(sr, c)
                fn >>= 1; sn >>= 1
            return sn == 0 and fr == first_root and sr == second_root

        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data["public_key"]))
        leaves = [leaf(h) for h in data["entry_hashes"]]
        result = {"signatures": 0, "roots": 0, "inclusions": 0, "consistencies": 0, "tampered_rejected": 0}
        for cp in data["checkpoints"]:
            key.verify(bytes.fromhex(cp["signature"]), cp["message"].encode())
            result["signatures"] += 1
            if mth(leaves[:cp["tree_size"]]).hex() == cp["root_hash"]: result["roots"] += 1
        for p in data["inclusions"]:
            ok = inclusion(p["leaf_index"], p["tree_size"], leaf(p["entry_hash"]), [bytes.fromhex(h) for h in p["proof"]], bytes.fromhex(p["root_hash"]))
            result["inclusions"] += ok
            wrong = inclusion(p["leaf_index"], p["tree_size"], leaf("00" * 32), [bytes.fromhex(h) for h in p["proof"]], bytes.fromhex(p["root_hash"]))
            result["tampered_rejected"] += not wrong
        for c in data["consistencies"]:
            ok = consistency(c["first"]["tree_size"], c["second"]["tree_size"], bytes.fromhex(c["first"]["root_hash"]),
                             bytes.fromhex(c["second"]["root_hash"]), [bytes.fromhex(h) for h in c["proof"]])
            result["consistencies"] += ok
        print(json.dumps(result))
        """#

    @Test func proofsAndSignaturesCheckOutWithAnIndependentImplementation() async throws {
        try await AuditSite.with { kernel, client, world in
            let chain = "proof-org"
            let token = world.admin.token
            var sizes: [Int] = []
            for batch in [4, 3, 6] {
                try await kernel.appendEntries(batch, org: chain)
                let made = try await client.expect(.created, .post, "/api/v1/audit/checkpoints", ["chain": .string(chain)], token: token).json
                guard case .int(let size)? = made["results"]?.arrayValue?.first?["tree_size"] else { Issue.record("no checkpoint"); return }
                sizes.append(size)
            }
            #expect(sizes == [4, 7, 13])
            let listing = try await client.expect(.ok, .get, "/api/v1/audit/checkpoints?chain=\(chain)", token: token).json
            let entries = try await kernel.auditEntries("chain = \(bind: chain)")
            var inclusions: [JSONValue] = []
            for entry in entries {
                inclusions.append(try await client.expect(.ok, .get, "/api/v1/audit/\(entry.id.uuidString.lowercased())/proof?tree_size=13", token: token).json)
            }
            inclusions.append(try await client.expect(.ok, .get, "/api/v1/audit/\(entries[2].id.uuidString.lowercased())/proof?tree_size=7", token: token).json)
            inclusions.append(try await client.expect(.ok, .get, "/api/v1/audit/\(entries[0].id.uuidString.lowercased())/proof?tree_size=4", token: token).json)
            let consistencies = [
                try await client.expect(.ok, .get, "/api/v1/audit/consistency?chain=\(chain)&first=4&second=13", token: token).json,
                try await client.expect(.ok, .get, "/api/v1/audit/consistency?chain=\(chain)&first=7&second=13", token: token).json,
                try await client.expect(.ok, .get, "/api/v1/audit/consistency?chain=\(chain)&first=4&second=7", token: token).json,
            ]
            let input: JSONValue = [
                "public_key": listing["public_key"]?["public_key"] ?? .null, "checkpoints": listing["results"] ?? [],
                "entry_hashes": .array(entries.map { .string($0.entryHash) }), "inclusions": .array(inclusions), "consistencies": .array(consistencies),
            ]
            let folder = TemporaryDirectory()
            let output = try await Shell.run(SMTPSink.python, "-c", Self.verifier, folder.write("proofs.json", input.jsonString()))
            withExtendedLifetime(folder) {}
            let result = try JSONDecoder().decode(JSONValue.self, from: Data(output.utf8))
            #expect(result["signatures"] == 3)
            #expect(result["roots"] == 3)
            #expect(result["inclusions"] == .int(inclusions.count))
            #expect(result["tampered_rejected"] == .int(inclusions.count))
            #expect(result["consistencies"] == 3)
            // Before any checkpoint covers an entry, there is nothing to prove against.
            let fresh = try #require(try await kernel.appendEntries(1, org: chain).first)
            try await client.expect(.notFound, .get, "/api/v1/audit/\(fresh.id.uuidString.lowercased())/proof", token: token)
            try await client.expect(.notFound, .get, "/api/v1/audit/consistency?chain=\(chain)&first=5&second=13", token: token)
        }
    }

    @Test func everyProofOfSmallTreesVerifiesAndTamperedOnesFail() {
        let hashes = (0..<40).map { MerkleTree.leafHash(Array(repeating: UInt8($0), count: 32)) }
        for size in 1...hashes.count {
            let leaves = hashes.prefix(size)
            let root = MerkleTree.root(leaves)
            for index in 0..<size {
                let proof = MerkleTree.inclusionProof(index, leaves)
                #expect(MerkleTree.verifyInclusion(leaf: hashes[index], index: index, treeSize: size, proof: proof, root: root))
                #expect(!MerkleTree.verifyInclusion(leaf: hashes[(index + 1) % hashes.count], index: index, treeSize: size, proof: proof, root: root))
            }
            for first in 1...size {
                let proof = MerkleTree.consistencyProof(first, leaves)
                #expect(MerkleTree.verifyConsistency(first: first, second: size, firstRoot: MerkleTree.root(hashes.prefix(first)), secondRoot: root, proof: proof),
                        "consistency \(first) → \(size)")
                if first < size {
                    #expect(!MerkleTree.verifyConsistency(first: first, second: size, firstRoot: MerkleTree.root(hashes.dropFirst().prefix(first)),
                                                          secondRoot: root, proof: proof))
                }
            }
        }
    }

    @Test func retentionArchivesBeforeItDeletesAndWhatRemainsStillVerifies() async throws {
        try await AuditSite.with(audit: "retention_days 30") { kernel, client, world in
            let chain = "retained-org"
            let old = try await kernel.appendEntries(5, org: chain, age: 40 * 86_400)
            let recent = try await kernel.appendEntries(3, org: chain)
            let pruned = try await kernel.audit.prune()
            #expect(pruned[chain] == 5)
            // The archive holds exactly the signed bytes of what was deleted.
            let path = AuditSite.archive.path + "/\(chain)/1-5.jsonl"
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 5)
            for (line, entry) in zip(lines, old) {
                let object = try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))
                #expect(object["signature"] == .string(entry.signature))
                #expect(object["entry"]?["sequence"] == .int(Int(entry.sequence)))
                #expect(line.contains(String(decoding: entry.canonical, as: UTF8.self)))
            }
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM audit_entries WHERE chain = \(bind: chain)") == 3)
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM audit_pruned WHERE chain = \(bind: chain)") == 5)
            // What remains verifies, linked to the last pruned entry, and against the checkpoint retention signed.
            let report = try await client.expect(.ok, .post, "/api/v1/audit/chain-verify", ["org_id": .string(chain)], token: world.admin.token).json
            #expect(report["valid"] == true)
            #expect(report["entries_checked"] == 3)
            #expect(report["checkpoint"]?["tree_size"] == 8)
            let first = try await client.expect(.ok, .post, "/api/v1/audit/verify", ["audit_id": .string(recent[0].id.uuidString)], token: world.admin.token).json
            #expect(first["chain_link_valid"] == true)
            let proof = try await client.expect(.ok, .get, "/api/v1/audit/\(recent[1].id.uuidString.lowercased())/proof", token: world.admin.token).json
            #expect(proof["tree_size"] == 8)
            // Running again changes nothing: the rest is younger than the cut-off.
            #expect(try await kernel.audit.prune()[chain] == nil)
        }
    }

    @Test func concurrentWritersInSeveralProcessesProduceOneValidChain() async throws {
        try await AuditSite.with { kernel, client, world in
            // A second Lintel on the same database: its own pools, as another process would have.
            let conf = "database \(kernel.configuration.database.url.configDescription) {\n    auto_migrate on\n    busy_timeout 30s\n}\nlogging { level error }\n"
                + "authorization { policies \"\(Repository.root)/policies\" }\njobs { workers off }\nplugin audit { }\n"
            let other = try await Kernel.boot(try TestSite.load(conf, plugins: [AuditPlugin.self]), logSink: .capture())
            let chain = "busy-org"
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<40 {
                        let target = writer % 2 == 0 ? kernel : other
                        group.addTask {
                            for round in 0..<3 {
                                try await target.appendEntries(2, org: chain, action: "writer\(writer).round\(round)")
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            } catch {
                await other.shutdown()
                throw error
            }
            await other.shutdown()
            let entries = try await kernel.auditEntries("chain = \(bind: chain)")
            #expect(entries.map(\.sequence) == Array(1...240))
            let report = try await client.expect(.ok, .post, "/api/v1/audit/chain-verify", ["org_id": .string(chain)], token: world.admin.token).json
            #expect(report["valid"] == true)
            #expect(report["entries_checked"] == 240)
        }
    }
}
