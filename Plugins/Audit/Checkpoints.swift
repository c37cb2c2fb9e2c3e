import Crypto
import CryptoExtras
import Foundation
import Kernel
import SQLKit

/// Signs checkpoints with Ed25519. The key is a PEM file from `checkpoint_key`, or generated on first
/// start and stored in `audit_keys` sealed with the deployment secret. Its id is the first 16 bytes of
/// the SHA-256 of the raw public key, in hex.
struct CheckpointSigner: Sendable {
    let key: Curve25519.Signing.PrivateKey
    var publicKey: Curve25519.Signing.PublicKey { key.publicKey }
    var keyID: String { Hex.string(Array(SHA256.hash(data: publicKey.rawRepresentation)).prefix(16)) }

    static func load(settings: AuditSettings, secret: String, database: Database) async throws -> CheckpointSigner {
        if let path = settings.checkpointKey {
            return CheckpointSigner(key: try Curve25519.Signing.PrivateKey(pemRepresentation: try String(contentsOfFile: path, encoding: .utf8)))
        }
        let sealer = SecretSealer(secret: secret, purpose: "lintel audit checkpoint key")
        return try await database.transaction { sql in
            if let row = try await sql.raw("SELECT id, sealed_private_key FROM audit_keys ORDER BY created_at, id LIMIT 1").first() {
                let id = try row.decode(column: "id", as: String.self)
                let raw = try sealer.open(try row.decode(column: "sealed_private_key", as: String.self), kid: id)
                return CheckpointSigner(key: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
            }
            let signer = CheckpointSigner(key: Curve25519.Signing.PrivateKey())
            try await sql.raw("""
                INSERT INTO audit_keys (id, public_key, sealed_private_key, created_at)
                VALUES (\(bind: signer.keyID), \(bind: signer.publicKey.rawRepresentation.base64EncodedString()),
                        \(bind: try sealer.seal(signer.key.rawRepresentation, kid: signer.keyID)), \(bind: Date()))
                """).run()
            return signer
        }
    }

    var publicKeyJSON: JSONValue {
        ["key_id": .string(keyID), "algorithm": "Ed25519", "public_key": .string(publicKey.rawRepresentation.base64EncodedString()),
         "pem": .string(publicKey.pemRepresentation)]
    }
}

/// A signed tree head: the chain, how many entries it had, the RFC 6962 root over them, when, and the
/// Ed25519 signature of `message`:
///
///     lintel-audit-checkpoint v1\n{chain}\n{tree_size}\n{root_hash hex}\n{created_us}\n
struct Checkpoint: Sendable, Equatable {
    var id: UUID
    var chain: String
    var treeSize: Int64
    var rootHash: String
    var createdMicros: Int64
    var keyID: String
    var signature: String

    static let columns = "id, chain, tree_size, root_hash, created_us, key_id, signature"

    var message: [UInt8] { Array("lintel-audit-checkpoint v1\n\(chain)\n\(treeSize)\n\(rootHash)\n\(createdMicros)\n".utf8) }

    func verifies(with key: Curve25519.Signing.PublicKey) -> Bool {
        guard let signature = Hex.bytes(signature) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    static func decode(_ row: any SQLRow) throws -> Checkpoint {
        Checkpoint(id: try row.decode(column: "id", as: UUID.self), chain: try row.decode(column: "chain", as: String.self),
                   treeSize: try row.decode(column: "tree_size", as: Int64.self), rootHash: try row.decode(column: "root_hash", as: String.self),
                   createdMicros: try row.decode(column: "created_us", as: Int64.self), keyID: try row.decode(column: "key_id", as: String.self),
                   signature: try row.decode(column: "signature", as: String.self))
    }

    var json: JSONValue {
        ["id": .string(id.lowercasedString), "chain": .string(chain), "tree_size": .int(Int(treeSize)), "root_hash": .string(rootHash),
         "created_at": .string(AuditEntry.timestamp(createdMicros)), "created_us": .int(Int(createdMicros)), "key_id": .string(keyID),
         "signature": .string(signature), "message": .string(String(decoding: message, as: UTF8.self))]
    }
}

/// Records and reads checkpoints, and computes proofs, over a chain's leaves (pruned entries keep their
/// hash in `audit_pruned`, so trees and proofs span the whole history).
struct Checkpoints: Sendable {
    let signer: CheckpointSigner
    let events: EventBus

    /// The entry hashes of sequences 1…`size` (all when `nil`), in order.
    func leaves(_ chain: String, upTo size: Int64? = nil, in sql: any SQLDatabase) async throws -> [MerkleTree.Hash] {
        let limit: SQLQueryString = size.map { " AND sequence <= \(bind: $0)" } ?? ""
        var hashes: [(Int64, String)] = try await sql.raw("SELECT sequence, entry_hash FROM audit_pruned WHERE chain = \(bind: chain)" + limit + " ORDER BY sequence").all()
            .map { (try $0.decode(column: "sequence", as: Int64.self), try $0.decode(column: "entry_hash", as: String.self)) }
        var after = hashes.last?.0 ?? 0
        while true {
            let page = try await sql.raw("SELECT sequence, entry_hash FROM audit_entries WHERE chain = \(bind: chain) AND sequence > \(bind: after)"
                                         + limit + " ORDER BY sequence LIMIT 10000").all()
                .map { (try $0.decode(column: "sequence", as: Int64.self), try $0.decode(column: "entry_hash", as: String.self)) }
            hashes += page
            guard page.count == 10_000, let last = page.last?.0 else { break }
            after = last
        }
        return hashes.map { MerkleTree.leafHash(Hex.bytes($0.1) ?? []) }
    }

    /// Signs the chain's current tree (none when it did not grow since the last checkpoint, unless `force`).
    @discardableResult
    func record(_ chain: String, force: Bool = false, in sql: any SQLDatabase) async throws -> Checkpoint? {
        let size = try await sql.raw("SELECT last_sequence FROM audit_chains WHERE chain = \(bind: chain)").first()?.decode(column: "last_sequence", as: Int64.self) ?? 0
        let latest = try await self.latest(chain, in: sql)
        if !force, latest?.treeSize == size { return nil }
        let leaves = try await self.leaves(chain, upTo: size, in: sql)
        var checkpoint = Checkpoint(id: UUID.v7(), chain: chain, treeSize: Int64(leaves.count), rootHash: Hex.string(MerkleTree.root(leaves[...])),
                                    createdMicros: Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()), keyID: signer.keyID, signature: "")
        checkpoint.signature = Hex.string(Array(try signer.key.signature(for: checkpoint.message)))
        try await sql.raw("""
            INSERT INTO audit_checkpoints (\(unsafeRaw: Checkpoint.columns))
            VALUES (\(bind: checkpoint.id), \(bind: checkpoint.chain), \(bind: checkpoint.treeSize), \(bind: checkpoint.rootHash),
                    \(bind: checkpoint.createdMicros), \(bind: checkpoint.keyID), \(bind: checkpoint.signature))
            """).run()
        try await events.emit("audit.checkpoint_created", payload: ["checkpoint": checkpoint.json], origin: .system, in: sql)
        return checkpoint
    }

    func latest(_ chain: String, in sql: any SQLDatabase) async throws -> Checkpoint? {
        try await sql.raw("SELECT \(unsafeRaw: Checkpoint.columns) FROM audit_checkpoints WHERE chain = \(bind: chain) ORDER BY tree_size DESC, created_us DESC LIMIT 1")
            .first().map(Checkpoint.decode)
    }

    func checkpoint(_ chain: String, size: Int64, in sql: any SQLDatabase) async throws -> Checkpoint? {
        try await sql.raw("SELECT \(unsafeRaw: Checkpoint.columns) FROM audit_checkpoints WHERE chain = \(bind: chain) AND tree_size = \(bind: size) ORDER BY created_us DESC LIMIT 1")
            .first().map(Checkpoint.decode)
    }

    func chains(in sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("SELECT chain FROM audit_chains ORDER BY chain").all().map { try $0.decode(column: "chain", as: String.self) }
    }
}
