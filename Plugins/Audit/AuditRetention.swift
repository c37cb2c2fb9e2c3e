import Foundation
import Kernel
import SQLKit

/// Retention (`retention_days`): for each chain, the oldest entries — the longest prefix of the chain that
/// is older than the cut-off — are written to `archive_directory/{chain}/{first}-{last}.jsonl` (one line
/// per entry: `{"entry": <the canonical serialization>, "signature": "…"}`, so they can be verified later), the file is flushed to disk,
/// and only then, in one transaction: a checkpoint is signed over the chain as it is (covering what is
/// about to go), each entry's hash moves to `audit_pruned`, the entries are deleted, and the chain records
/// how far it was pruned. What remains still verifies: its first entry links to the last pruned hash.
extension AuditService {
    @discardableResult
    func prune(now: Date = Date()) async throws -> [String: Int] {
        guard settings.retentionDays > 0 else { return [:] }
        let cutoff = Int64((now.timeIntervalSince1970 - Double(settings.retentionDays) * 86_400) * 1_000_000)
        let chains = try await database.read { [checkpoints] sql in try await checkpoints.chains(in: sql) }
        var pruned: [String: Int] = [:]
        for chain in chains {
            let (from, through) = try await database.read { sql -> (Int64, Int64) in
                let head = try await sql.raw("SELECT last_sequence, pruned_through FROM audit_chains WHERE chain = \(bind: chain)").first()
                let done = try head?.decode(column: "pruned_through", as: Int64.self) ?? 0
                let last = try head?.decode(column: "last_sequence", as: Int64.self) ?? 0
                let firstKept = try await sql.raw("SELECT MIN(sequence) AS s FROM audit_entries WHERE chain = \(bind: chain) AND occurred_us >= \(bind: cutoff)")
                    .first()?.decode(column: "s", as: Int64?.self)
                return (done + 1, (firstKept ?? last + 1) - 1)
            }
            guard through >= from else { continue }
            try await archive(chain, from: from, through: through)
            try await database.transaction { [checkpoints] sql in
                try await checkpoints.record(chain, force: true, in: sql)
                try await sql.raw("""
                    INSERT INTO audit_pruned (chain, sequence, entry_hash)
                    SELECT chain, sequence, entry_hash FROM audit_entries WHERE chain = \(bind: chain) AND sequence BETWEEN \(bind: from) AND \(bind: through)
                    """).run()
                try await sql.raw("DELETE FROM audit_entries WHERE chain = \(bind: chain) AND sequence BETWEEN \(bind: from) AND \(bind: through)").run()
                try await sql.raw("UPDATE audit_chains SET pruned_through = \(bind: through), updated_at = \(bind: Date()) WHERE chain = \(bind: chain)").run()
            }
            pruned[chain] = Int(through - from + 1)
            logger.notice("audit entries archived and pruned", metadata: ["chain": .string(chain), "from": .stringConvertible(from), "through": .stringConvertible(through)])
        }
        return pruned
    }

    /// Writes entries `from…through` of `chain` to the archive, page by page, and syncs the file.
    func archive(_ chain: String, from: Int64, through: Int64) async throws {
        let folder = (settings.archiveDirectory as NSString).appendingPathComponent(chain)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = (folder as NSString).appendingPathComponent("\(from)-\(through).jsonl")
        _ = FileManager.default.createFile(atPath: path, contents: nil)  // opening it below fails if this did
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var after = from - 1
        while after < through {
            let start = after
            let entries = try await database.read { sql in
                try await sql.raw("""
                    SELECT \(unsafeRaw: AuditEntry.columns) FROM audit_entries
                    WHERE chain = \(bind: chain) AND sequence > \(bind: start) AND sequence <= \(bind: through) ORDER BY sequence LIMIT 5000
                    """).all().map(AuditEntry.decode)
            }
            guard let last = entries.last else { break }
            var bytes: [UInt8] = []
            for entry in entries {
                // The signed bytes themselves (their SHA-256 is the entry hash) and the signature.
                bytes += Array("{\"entry\":".utf8) + entry.canonical + Array(",\"signature\":\"\(entry.signature)\"}\n".utf8)
            }
            try handle.write(contentsOf: bytes)
            after = last.sequence
        }
        try handle.synchronize()
    }
}
