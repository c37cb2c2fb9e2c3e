import Foundation
import Hummingbird
import Kernel
import NIOCore
import SQLKit

/// Exports stream: the body is written page by page (1,000 entries a read) as the client takes it, so
/// exporting millions of entries uses the memory of one page.
extension AuditService {
    static let csvColumns = ["id", "timestamp", "action", "resource_type", "resource_id", "actor_id", "org_id", "changes", "details", "request_id",
                             "actor_ip", "user_agent", "impersonator_id", "chain", "sequence", "previous_hash", "entry_hash", "signature"]

    func export(_ query: AuditQuery, format: String) -> Response {
        let database = database
        let conditions = query.conditions
        let body = ResponseBody { writer in
            var after: (Int64, UUID)?
            var first = true
            if format == "csv" {
                try await writer.write(ByteBuffer(string: Self.csvColumns.joined(separator: ",") + "\r\n"))
            } else {
                try await writer.write(ByteBuffer(string: "["))
            }
            while true {
                let keyset: SQLQueryString = after.map { " AND (occurred_us > \(bind: $0.0) OR (occurred_us = \(bind: $0.0) AND id > \(bind: $0.1)))" } ?? ""
                let entries = try await database.read { sql in
                    try await sql.raw("SELECT \(unsafeRaw: AuditEntry.columns) FROM audit_entries WHERE " + conditions + keyset
                                      + " ORDER BY occurred_us, id LIMIT 1000").all().map(AuditEntry.decode)
                }
                guard let last = entries.last else { break }
                var bytes: [UInt8] = []
                for entry in entries {
                    if format == "csv" {
                        bytes += Array(Self.csvRow(entry).utf8)
                    } else {
                        if !first { bytes.append(UInt8(ascii: ",")) }
                        bytes.append(UInt8(ascii: "\n"))
                        entry.json.write(to: &bytes)
                    }
                    first = false
                }
                try await writer.write(ByteBuffer(bytes: bytes))
                after = (last.occurredMicros, last.id)
                if entries.count < 1000 { break }
            }
            if format == "json" { try await writer.write(ByteBuffer(string: first ? "]" : "\n]")) }
            try await writer.finish(nil)
        }
        let stamp = Date().iso8601.replacingOccurrences(of: ":", with: "")
        return Response(status: .ok, headers: [
            .contentType: format == "csv" ? "text/csv; charset=utf-8" : "application/json",
            .contentDisposition: "attachment; filename=\"audit-\(stamp).\(format)\"",
        ], body: body)
    }

    /// One CSV record (RFC 4180: quoted when needed, quotes doubled, CRLF); cells starting with `=`, `+`,
    /// `-` or `@` get a leading `'` so a spreadsheet does not run them as formulas.
    static func csvRow(_ entry: AuditEntry) -> String {
        let values: [String] = [
            entry.id.lowercasedString, AuditEntry.timestamp(entry.occurredMicros), entry.action, entry.resourceType, entry.resourceID,
            entry.actorID ?? "", entry.orgID ?? "", entry.changes, entry.details, entry.requestID ?? "", entry.actorIP ?? "", entry.userAgent ?? "",
            entry.impersonatorID ?? "", entry.chain, String(entry.sequence), entry.previousHash, entry.entryHash, entry.signature,
        ]
        return values.map(csvCell).joined(separator: ",") + "\r\n"
    }

    static func csvCell(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
