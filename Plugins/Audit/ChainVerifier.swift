import Crypto
import Foundation
import Kernel
import SQLKit

/// Verifies audit chains: every entry's signature and hash, every link to the entry before, the
/// sequence without gaps, and — over a whole chain — its latest signed checkpoint (signature, and the
/// Merkle root recomputed from the entries). The first problem is located precisely: which entry, and
/// whether it was edited, deleted, inserted or moved, or the tail was cut off.
struct ChainVerifier: Sendable {
    struct Problem: Sendable, Equatable {
        enum Kind: String, Sendable {
            case edited, deleted, inserted, reordered, truncated, brokenLink = "broken_link", checkpoint
        }

        var kind: Kind
        var sequence: Int64
        var entryID: String?
        var detail: String

        var json: JSONValue {
            ["kind": .string(kind.rawValue), "sequence": .int(Int(sequence)), "entry_id": entryID.map { .string($0) } ?? .null, "detail": .string(detail)]
        }
    }

    struct Report: Sendable {
        var chain: String
        var checked: Int
        var first: Int64?
        var last: Int64?
        var problem: Problem?
        var checkpoint: Checkpoint?

        var valid: Bool { problem == nil }

        var json: JSONValue {
            ["chain": .string(chain), "valid": .bool(valid), "entries_checked": .int(checked),
             "first_sequence": first.map { .int(Int($0)) } ?? .null, "last_sequence": last.map { .int(Int($0)) } ?? .null,
             "problem": problem?.json ?? .null,
             "checkpoint": checkpoint.map { ["tree_size": .int(Int($0.treeSize)), "created_at": .string(AuditEntry.timestamp($0.createdMicros))] } ?? .null]
        }
    }

    let key: SymmetricKey
    let checkpoints: Checkpoints
    let database: Database
    /// HMAC keyed once, copied for every entry checked.
    let mac: HMAC<SHA256>

    init(key: SymmetricKey, checkpoints: Checkpoints, database: Database) {
        self.key = key
        self.checkpoints = checkpoints
        self.database = database
        mac = HMAC<SHA256>(key: key)
    }

    static let pageSize = 5000

    /// Verifies `chain`, or the part of it whose entries occurred in `from…to` (microseconds), plus the link
    /// of its first entry to the one before. A whole chain is also held against its latest checkpoint.
    func verify(_ chain: String, from: Int64? = nil, to: Int64? = nil) async throws -> Report {
        try await database.read { [self] sql in
            var report = Report(chain: chain, checked: 0)
            guard let head = try await sql.raw("SELECT last_sequence, pruned_through FROM audit_chains WHERE chain = \(bind: chain)").first() else {
                return report
            }
            let prunedThrough = try head.decode(column: "pruned_through", as: Int64.self)
            let whole = from == nil && to == nil
            // Where to start, and what the first entry must link to.
            var expectedSequence: Int64
            if let from {
                guard let first = try await sql.raw("""
                    SELECT MIN(sequence) AS s FROM audit_entries WHERE chain = \(bind: chain) AND occurred_us >= \(bind: from)
                    """).first()?.decode(column: "s", as: Int64?.self) else { return report }
                expectedSequence = first
            } else {
                expectedSequence = prunedThrough + 1
            }
            var expectedPrevious = try await hashBefore(chain, sequence: expectedSequence, prunedThrough: prunedThrough, in: sql)
            var after = expectedSequence - 1
            let until: SQLQueryString = to.map { " AND occurred_us <= \(bind: $0)" } ?? ""
            scan: while true {
                let rows = try await sql.raw("SELECT \(unsafeRaw: AuditEntry.columns) FROM audit_entries WHERE chain = \(bind: chain) AND sequence > \(bind: after)"
                                             + until + " ORDER BY sequence LIMIT \(bind: Self.pageSize)").all()
                for row in rows {
                    let entry = try AuditEntry.decode(row)
                    if report.first == nil { report.first = entry.sequence }
                    if let problem = try await check(entry, expectedSequence: expectedSequence, expectedPrevious: expectedPrevious, in: sql) {
                        report.problem = problem
                        break scan
                    }
                    report.checked += 1
                    report.last = entry.sequence
                    expectedSequence = entry.sequence + 1
                    expectedPrevious = entry.entryHash
                    after = entry.sequence
                }
                if rows.count < Self.pageSize { break }
            }
            if whole, report.problem == nil { report.problem = try await checkTail(chain, report: &report, in: sql) }
            return report
        }
    }

    /// The hash the entry at `sequence` must link to: the genesis hash, a pruned entry's, or the entry before.
    func hashBefore(_ chain: String, sequence: Int64, prunedThrough: Int64, in sql: any SQLDatabase) async throws -> String? {
        if sequence <= 1 { return AuditEntry.genesisHash }
        if sequence - 1 <= prunedThrough {
            return try await sql.raw("SELECT entry_hash FROM audit_pruned WHERE chain = \(bind: chain) AND sequence = \(bind: sequence - 1)").first()?
                .decode(column: "entry_hash", as: String.self)
        }
        return try await sql.raw("SELECT entry_hash FROM audit_entries WHERE chain = \(bind: chain) AND sequence = \(bind: sequence - 1)").first()?
            .decode(column: "entry_hash", as: String.self)
    }

    /// The first problem with `entry`, if any, classified.
    func check(_ entry: AuditEntry, expectedSequence: Int64, expectedPrevious: String?, in sql: any SQLDatabase) async throws -> Problem? {
        let id = entry.id.lowercasedString
        if entry.sequence > expectedSequence {
            let missing = entry.sequence - 1 == expectedSequence ? "entry \(expectedSequence) is" : "entries \(expectedSequence)–\(entry.sequence - 1) are"
            return Problem(kind: .deleted, sequence: expectedSequence, entryID: nil,
                           detail: "The chain jumps from \(expectedSequence - 1) to \(entry.sequence): \(missing) missing (deleted).")
        }
        if expectedPrevious == nil, entry.sequence > 1 {
            return Problem(kind: .deleted, sequence: entry.sequence - 1, entryID: nil,
                           detail: "Entry \(entry.sequence - 1), which entry \(entry.sequence) follows, is missing (deleted).")
        }
        let (hashOK, signatureOK) = entry.check(with: mac)
        if signatureOK {
            if let expectedPrevious, entry.previousHash != expectedPrevious {
                return Problem(kind: .brokenLink, sequence: entry.sequence, entryID: id,
                               detail: "Entry \(entry.sequence) is authentic but does not follow entry \(entry.sequence - 1): the entry before it was replaced.")
            }
            return nil
        }
        // Not signed as stored. Was it moved? It verifies at the position it was written at: near where it
        // is now, or after the entry its signed `previous_hash` names.
        let predecessor = try await sql.raw("""
            SELECT sequence FROM audit_entries WHERE chain = \(bind: entry.chain) AND entry_hash = \(bind: entry.previousHash)
            """).first()?.decode(column: "sequence", as: Int64.self)
        let nearby = (1...32).flatMap { [entry.sequence - Int64($0), entry.sequence + Int64($0)] }
        for candidate in [predecessor.map { $0 + 1 }, predecessor].compactMap({ $0 }) + nearby where candidate > 0 && candidate != entry.sequence {
            var moved = entry
            moved.sequence = candidate
            if moved.check(with: mac).signatureOK {
                return Problem(kind: .reordered, sequence: entry.sequence, entryID: id,
                               detail: "Entry \(id) was written as sequence \(candidate) but is stored as \(entry.sequence): entries were reordered.")
            }
        }
        if !hashOK {
            return Problem(kind: .edited, sequence: entry.sequence, entryID: id,
                           detail: "Entry \(entry.sequence) (\(id)) was altered after it was written: its content no longer matches its hash and signature.")
        }
        return Problem(kind: .inserted, sequence: entry.sequence, entryID: id,
                       detail: "Entry \(entry.sequence) (\(id)) is not signed with the audit key: it was inserted (or rewritten) outside Lintel.")
    }

    /// Over a whole chain: nothing cut off after the latest checkpoint, whose signature and root hold.
    func checkTail(_ chain: String, report: inout Report, in sql: any SQLDatabase) async throws -> Problem? {
        let head = try await sql.raw("SELECT last_sequence, pruned_through FROM audit_chains WHERE chain = \(bind: chain)").first()
        let recorded = try head?.decode(column: "last_sequence", as: Int64.self) ?? 0
        let seen = try report.last ?? head?.decode(column: "pruned_through", as: Int64.self) ?? 0
        if recorded > seen {
            return Problem(kind: .truncated, sequence: seen + 1, entryID: nil,
                           detail: "The chain ends at entry \(seen), but its head records \(recorded) entries: entries \(seen + 1)–\(recorded) were cut off.")
        }
        guard let checkpoint = try await checkpoints.latest(chain, in: sql) else { return nil }
        report.checkpoint = checkpoint
        guard checkpoint.verifies(with: checkpoints.signer.publicKey) else {
            return Problem(kind: .checkpoint, sequence: checkpoint.treeSize, entryID: nil,
                           detail: "The checkpoint of \(AuditEntry.timestamp(checkpoint.createdMicros)) is not signed with the checkpoint key.")
        }
        let last = seen
        if last < checkpoint.treeSize {
            return Problem(kind: .truncated, sequence: last + 1, entryID: nil,
                           detail: "The chain ends at entry \(last), but the checkpoint of \(AuditEntry.timestamp(checkpoint.createdMicros)) covered \(checkpoint.treeSize): entries \(last + 1)–\(checkpoint.treeSize) were cut off.")
        }
        let leaves = try await checkpoints.leaves(chain, upTo: checkpoint.treeSize, in: sql)
        if Hex.string(MerkleTree.root(leaves[...])) != checkpoint.rootHash {
            return Problem(kind: .checkpoint, sequence: checkpoint.treeSize, entryID: nil,
                           detail: "The entries up to \(checkpoint.treeSize) no longer hash to the root signed at \(AuditEntry.timestamp(checkpoint.createdMicros)).")
        }
        return nil
    }
}
