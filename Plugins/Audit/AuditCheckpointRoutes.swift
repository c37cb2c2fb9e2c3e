import Foundation
import Hummingbird
import Kernel
import SQLKit

/// Checkpoints and proofs: signed tree heads, the inclusion proof of an entry, the consistency proof
/// between two checkpoints (RFC 6962; verify with RFC 9162 §2.1.3.2 and §2.1.4.2 — see README).
extension AuditService {
    func addCheckpointRoutes(to routes: Routes) {
        let tags = ["audit"]
        let checkpointRef = ResourceRef(kind: "audit_log", id: "*", concealsExistence: false)
        routes.get("/audit/checkpoints", RouteOperation("Signed checkpoints", description: "Newest first, with the Ed25519 public key that verifies them.",
                                                        tags: tags, access: .authenticated, query: [.init("chain", "platform or an org id (default: every chain).")],
                                                        responses: [200: .init("Checkpoints.", schema: ["type": "object"])])) { [self] request, context in
            try await context.authorize("verify", on: checkpointRef)
            let chain = request.uri.queryParameters["chain"].map(String.init)
            let list = try await database.read { sql in
                let filter: SQLQueryString = chain.map { " WHERE chain = \(bind: $0)" } ?? ""
                return try await sql.raw("SELECT \(unsafeRaw: Checkpoint.columns) FROM audit_checkpoints" + filter + " ORDER BY created_us DESC LIMIT 200").all()
                    .map(Checkpoint.decode)
            }
            return JSONResponse(["results": .array(list.map(\.json)), "public_key": checkpoints.signer.publicKeyJSON])
        }
        routes.post("/audit/checkpoints", RouteOperation("Record a checkpoint now", description: "For every chain that grew (or the one named).",
                                                         tags: tags, access: .authenticated,
                                                         requestBody: ["type": "object", "properties": ["chain": ["type": "string"]]],
                                                         responses: [201: .init("The checkpoints made.", schema: ["type": "object"])])) { [self] request, context in
            try await context.authorize("chain_verify", on: checkpointRef)
            let body = request.headers[.contentType] == nil ? CheckpointBody() : try await request.decodeJSON(as: CheckpointBody.self, context: context)
            let made: [Checkpoint]
            if let chain = body.chain {
                made = try await database.transaction { [checkpoints] sql in try await checkpoints.record(chain, force: true, in: sql).map { [$0] } ?? [] }
            } else {
                made = try await checkpointAll()
            }
            return JSONResponse(["results": .array(made.map(\.json))], status: .created)
        }
        routes.get("/audit/{id}/proof", RouteOperation("Inclusion proof of an entry", description: "Against the checkpoint of `tree_size` (default: the latest that contains it).",
                                                       tags: tags, access: .authenticated, query: [.init("tree_size", "A checkpoint's tree size.", schema: ["type": "integer"])],
                                                       responses: [200: .init("The proof.", schema: ["type": "object"]), 404: Self.problem, 422: Self.problem])) { [self] request, context in
            let entry = try await entry(context.parameters.get("id") ?? "")
            try await context.authorize("read", on: Self.resource(entry))
            let size = request.uri.queryParameters["tree_size"].flatMap { Int64($0) }
            return JSONResponse(try await inclusionProof(entry, treeSize: size))
        }
        routes.get("/audit/consistency", RouteOperation("Consistency proof between two checkpoints", tags: tags, access: .authenticated,
                                                        query: [.init("chain", "platform or an org id.", required: true),
                                                                .init("first", "The older tree size.", schema: ["type": "integer"], required: true),
                                                                .init("second", "The newer tree size.", schema: ["type": "integer"], required: true)],
                                                        responses: [200: .init("The proof.", schema: ["type": "object"]), 404: Self.problem, 422: Self.problem])) { [self] request, context in
            try await context.authorize("verify", on: checkpointRef)
            let query = request.uri.queryParameters
            guard let chain = query["chain"].map(String.init), let first = query["first"].flatMap({ Int64($0) }), let second = query["second"].flatMap({ Int64($0) }),
                  first > 0, first <= second else {
                throw Problem.validation([FieldError(pointer: "/first", detail: "chain, first and second are required, with 0 < first ≤ second")])
            }
            return JSONResponse(try await consistencyProof(chain, first: first, second: second))
        }
    }

    func inclusionProof(_ entry: AuditEntry, treeSize: Int64?) async throws -> JSONValue {
        try await database.read { [checkpoints] sql in
            let checkpoint: Checkpoint?
            if let treeSize {
                checkpoint = try await checkpoints.checkpoint(entry.chain, size: treeSize, in: sql)
            } else {
                checkpoint = try await sql.raw("""
                    SELECT \(unsafeRaw: Checkpoint.columns) FROM audit_checkpoints WHERE chain = \(bind: entry.chain) AND tree_size >= \(bind: entry.sequence)
                    ORDER BY tree_size DESC, created_us DESC LIMIT 1
                    """).first().map(Checkpoint.decode)
            }
            guard let checkpoint, checkpoint.treeSize >= entry.sequence else {
                throw Problem.notFound("No checkpoint of chain \(entry.chain) covers entry \(entry.sequence) yet; record one (POST /api/v1/audit/checkpoints).")
            }
            let leaves = try await checkpoints.leaves(entry.chain, upTo: checkpoint.treeSize, in: sql)
            let proof = MerkleTree.inclusionProof(Int(entry.sequence - 1), leaves[...])
            return [
                "audit_id": .string(entry.id.lowercasedString), "chain": .string(entry.chain), "leaf_index": .int(Int(entry.sequence - 1)),
                "entry_hash": .string(entry.entryHash), "tree_size": .int(Int(checkpoint.treeSize)), "root_hash": .string(checkpoint.rootHash),
                "proof": .array(proof.map { .string(Hex.string($0)) }), "checkpoint": checkpoint.json,
            ]
        }
    }

    func consistencyProof(_ chain: String, first: Int64, second: Int64) async throws -> JSONValue {
        try await database.read { [checkpoints] sql in
            guard let older = try await checkpoints.checkpoint(chain, size: first, in: sql),
                  let newer = try await checkpoints.checkpoint(chain, size: second, in: sql) else {
                throw Problem.notFound("Chain \(chain) has no checkpoints of sizes \(first) and \(second).")
            }
            let leaves = try await checkpoints.leaves(chain, upTo: second, in: sql)
            let proof = MerkleTree.consistencyProof(Int(first), leaves[...])
            return ["chain": .string(chain), "first": older.json, "second": newer.json, "proof": .array(proof.map { .string(Hex.string($0)) })]
        }
    }
}

struct CheckpointBody: Decodable {
    var chain: String?
}
