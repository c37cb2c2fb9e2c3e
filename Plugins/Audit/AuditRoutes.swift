import Foundation
import Hummingbird
import Kernel
import NIOCore
import SQLKit

/// `/api/v1/audit…`: the trail, its export, its verification, its checkpoints and proofs.
extension AuditService {
    static let problem = RouteOperation.Reply("A problem (RFC 9457).", contentType: "application/problem+json")

    func addRoutes(to routes: Routes) {
        let tags = ["audit"]
        let filters: [RouteOperation.QueryParameter] = [
            .init("action", "An action, or a family: user.*"), .init("resource_type", "E.g. user, organization, team."), .init("resource_id", "The resource's id."),
            .init("actor_id", "Who did it."), .init("org_id", "The org it belongs to."), .init("start_date", "From this date or time (ISO 8601)."),
            .init("end_date", "Until this date (the whole day) or time."), .init("q", "Free text in the action, resource and details."),
        ]
        routes.get("/audit", RouteOperation("List audit entries", description: "Platform staff see everything, org admins their org, others their own actions. Newest first.",
                                            tags: tags, access: .authenticated,
                                            query: filters + [.init("limit", "1–200 (default 50)."), .init("cursor", "From `next`.")],
                                            responses: [200: .init("A page of entries.", schema: ["type": "object"])])) { [self] request, context in
            let query = try await AuditQuery.make(request, context: context, redactor: redactor)
            return JSONResponse(try await list(request, query: query))
        }
        routes.get("/audit/export", RouteOperation("Export audit entries", description: "Streamed CSV or JSON with the list's filters. Platform admins, and org admins of orgs whose license has audit_export.",
                                                   tags: tags, access: .authenticated, query: filters + [.init("format", "csv (default) or json.")],
                                                   responses: [200: .init("The entries.", schema: ["type": "string"], contentType: "text/csv")])) { [self] request, context in
            let format = request.uri.queryParameters["format"].map(String.init) ?? "csv"
            guard ["csv", "json"].contains(format) else {
                throw Problem.validation([FieldError(pointer: "/format", detail: "must be csv or json")], detail: "format must be csv or json.")
            }
            let org = context.principal?.attributes["org_id"]?.stringValue ?? ""
            try await context.authorize("export", on: ResourceRef(kind: "audit_log", id: "*", attributes: org.isEmpty ? [:] : ["org_id": .string(org)],
                                                                  concealsExistence: false))
            let query = try await AuditQuery.make(request, context: context, redactor: redactor)
            return export(query, format: format)
        }
        routes.get("/audit/{id}", RouteOperation("An audit entry", tags: tags, access: .authenticated,
                                                 responses: [200: .init("The entry.", schema: ["type": "object"]), 404: Self.problem])) { [self] _, context in
            let entry = try await entry(context.parameters.get("id") ?? "")
            try await context.authorize("read", on: Self.resource(entry))
            return JSONResponse(entry.json)
        }
        routes.post("/audit/verify", RouteOperation("Verify one entry", description: "Its signature, its hash, and its link to the entry before.",
                                                    tags: tags, access: .authenticated,
                                                    requestBody: ["type": "object", "properties": ["audit_id": ["type": "string"]], "required": ["audit_id"]],
                                                    responses: [200: .init("The verdict.", schema: ["type": "object"]), 404: Self.problem, 422: Self.problem])) { [self] request, context in
            let body = try await request.decodeJSON(as: VerifyBody.self, context: context)
            try await context.authorize("verify", on: ResourceRef(kind: "audit_log", id: "*", concealsExistence: false))
            return JSONResponse(try await verifyEntry(body.auditId))
        }
        routes.post("/audit/chain-verify", RouteOperation("Verify a chain", description: "The org's chain (or the platform chain without org_id), whole or between two dates; reports the first broken link precisely.",
                                                          tags: tags, access: .authenticated,
                                                          requestBody: ["type": "object", "properties": ["org_id": ["type": ["string", "null"]], "start_date": ["type": "string"],
                                                                                                         "end_date": ["type": "string"]]],
                                                          responses: [200: .init("The report.", schema: ["type": "object"]), 422: Self.problem])) { [self] request, context in
            let body = request.headers[.contentType] == nil ? ChainVerifyBody() : try await request.decodeJSON(as: ChainVerifyBody.self, context: context)
            try await context.authorize("chain_verify", on: ResourceRef(kind: "audit_log", id: "*", concealsExistence: false))
            let from = try body.startDate.map { try AuditQuery.micros($0, field: "start_date", endOfDay: false) }
            let to = try body.endDate.map { try AuditQuery.micros($0, field: "end_date", endOfDay: true) }
            let report = try await verifier.verify(body.orgId.flatMap { $0.isEmpty ? nil : $0 } ?? AuditEntry.platformChain, from: from, to: to)
            var json = report.json.objectValue ?? [:]
            json["message"] = .string(report.valid ? "Chain intact: \(report.checked) entries verified." : "Chain broken: \(report.problem?.detail ?? "")")
            return JSONResponse(.object(json))
        }
        addCheckpointRoutes(to: routes)
    }

    static func resource(_ entry: AuditEntry) -> ResourceRef {
        var attributes: [String: JSONValue] = ["actor_id": .string(entry.actorID ?? "")]
        if let org = entry.orgID { attributes["org_id"] = .string(org) }
        return ResourceRef(kind: "audit_log", id: entry.id.lowercasedString, attributes: attributes)
    }

    func entry(_ idText: String) async throws -> AuditEntry {
        guard let id = UUID(canonical: idText),
              let entry = try await database.read({ sql in
                  try await sql.raw("SELECT \(unsafeRaw: AuditEntry.columns) FROM audit_entries WHERE id = \(bind: id)").first().map(AuditEntry.decode)
              }) else { throw Problem.notFound("No audit entry with id '\(idText)' exists.") }
        return entry
    }

    func verifyEntry(_ idText: String) async throws -> JSONValue {
        let entry = try await entry(idText)
        let (hashOK, signatureOK) = entry.check(with: trail.key)
        let previous = try await database.read { [verifier] sql -> String? in
            let pruned = try await sql.raw("SELECT pruned_through FROM audit_chains WHERE chain = \(bind: entry.chain)").first()?.decode(column: "pruned_through", as: Int64.self) ?? 0
            return try await verifier.hashBefore(entry.chain, sequence: entry.sequence, prunedThrough: pruned, in: sql)
        }
        let linked = previous == entry.previousHash
        let valid = hashOK && signatureOK && linked
        return [
            "audit_id": .string(entry.id.lowercasedString), "valid": .bool(valid), "signature_valid": .bool(signatureOK), "hash_valid": .bool(hashOK),
            "chain_link_valid": .bool(linked), "chain": .string(entry.chain), "sequence": .int(Int(entry.sequence)),
            "message": .string(valid ? "Entry intact." : !signatureOK ? "The entry does not match its signature: it was altered or not written by Lintel."
                               : "The entry is authentic but the entry before it is missing or was replaced."),
        ]
    }

    /// A page of entries, newest first (keyset on time and id).
    func list(_ request: Request, query: AuditQuery) async throws -> JSONValue {
        let page = try PageRequest(request)
        var after: SQLQueryString = ""
        if let cursor = page.after, cursor.count == 2, let micros = Int64(cursor[0]), let id = UUID(canonical: cursor[1]) {
            after = " AND (occurred_us < \(bind: micros) OR (occurred_us = \(bind: micros) AND id < \(bind: id)))"
        }
        let keyset = after
        let conditions = query.conditions
        let (entries, count) = try await database.read { sql -> ([AuditEntry], Int) in
            let rows = try await sql.raw("SELECT \(unsafeRaw: AuditEntry.columns) FROM audit_entries WHERE " + conditions + keyset
                                         + " ORDER BY occurred_us DESC, id DESC LIMIT \(bind: page.limit)").all()
            let count = try await sql.raw("SELECT COUNT(*) AS n FROM audit_entries WHERE " + conditions).first()?.decode(column: "n", as: Int.self) ?? 0
            return (try rows.map(AuditEntry.decode), count)
        }
        let next = page.next(for: request, pageCount: entries.count, lastKey: entries.last.map { [String($0.occurredMicros), $0.id.lowercasedString] })
        return ["results": .array(entries.map(\.json)), "count": .int(count), "next": next.map { .string($0) } ?? .null]
    }
}

struct VerifyBody: Decodable {
    var auditId: String
}

struct ChainVerifyBody: Decodable {
    var orgId: String?
    var startDate: String?
    var endDate: String?
}
