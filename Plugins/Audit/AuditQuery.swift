import Foundation
import Hummingbird
import Kernel
import SQLKit

/// Which entries a request may see and asked for: the scope (everything for platform staff, the current
/// org for its org admins, one's own actions otherwise) and the filters (`action`, `resource_type`,
/// `resource_id`, `actor_id`, `org_id`, `start_date`, `end_date`, `q`).
struct AuditQuery: Sendable {
    enum Scope: Sendable, Equatable {
        case everything
        case organization(String)
        case actor(String)
    }

    var scope: Scope
    var conditions: SQLQueryString

    /// Authorizes the listing (`list` on `audit_log`) and works out the scope from the policies.
    static func make(_ request: Request, context: AppRequestContext, redactor: PIIRedactor) async throws -> AuditQuery {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        let orgFilter = value("org_id")
        try await context.authorize("list", on: ResourceRef(kind: "audit_log", id: "*", attributes: orgFilter.map { ["org_id": .string($0)] } ?? [:],
                                                            concealsExistence: false))
        guard let principal = context.principal else { throw Problem.unauthorized() }
        let currentOrg = principal.attributes["org_id"]?.stringValue ?? ""
        let scope: Scope
        if await context.permitted(["read"], on: ResourceRef(kind: "audit_log", id: "*", concealsExistence: false)).contains("read") {
            scope = .everything
        } else if !currentOrg.isEmpty,
                  await context.permitted(["read"], on: ResourceRef(kind: "audit_log", id: "*", attributes: ["org_id": .string(currentOrg)],
                                                                    concealsExistence: false)).contains("read") {
            scope = .organization(currentOrg)
        } else {
            scope = .actor(principal.id)
        }
        var conditions: SQLQueryString = "1 = 1"
        switch scope {
        case .everything: break
        case .organization(let org): conditions += " AND org_id = \(bind: org)"
        case .actor(let id): conditions += " AND actor_id = \(bind: id)"
        }
        if let action = value("action") {
            if action.hasSuffix(".*") { conditions += " AND action LIKE \(bind: String(action.dropLast()) + "%")" } else { conditions += " AND action = \(bind: action)" }
        }
        if let type = value("resource_type") { conditions += " AND resource_type = \(bind: type)" }
        if let id = value("resource_id") { conditions += " AND resource_id = \(bind: id)" }
        if let actor = value("actor_id") { conditions += " AND actor_id = \(bind: actor)" }
        if let org = orgFilter { conditions += " AND org_id = \(bind: org)" }
        if let start = value("start_date") { conditions += " AND occurred_us >= \(bind: try micros(start, field: "start_date", endOfDay: false))" }
        if let end = value("end_date") { conditions += " AND occurred_us <= \(bind: try micros(end, field: "end_date", endOfDay: true))" }
        if let text = value("q") {
            let pattern = "%" + text.lowercased().prefix(200).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            var match: SQLQueryString = """
                (LOWER(action) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(resource_type) LIKE \(bind: pattern) ESCAPE '\\'
                 OR LOWER(resource_id) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(details) LIKE \(bind: pattern) ESCAPE '\\'
                 OR LOWER(changes) LIKE \(bind: pattern) ESCAPE '\\'
                """
            // Under the hash policy an address is found by its hash.
            if redactor.policy == .hash { match += " OR details LIKE \(bind: "%" + redactor.hash(text) + "%") OR changes LIKE \(bind: "%" + redactor.hash(text) + "%")" }
            conditions += " AND " + match + ")"
        }
        return AuditQuery(scope: scope, conditions: conditions)
    }

    /// A date (`2026-12-05`, the whole day) or an ISO 8601 time, as microseconds since 1970.
    static func micros(_ text: String, field: String, endOfDay: Bool) throws -> Int64 {
        let date: Date?
        if text.count == 10 {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withFullDate]
            date = formatter.date(from: text).map { endOfDay ? $0.addingTimeInterval(86_400 - 0.000001) : $0 }
        } else {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
        }
        guard let date else {
            throw Problem.validation([FieldError(pointer: "/\(field)", detail: "must be a date (2026-12-05) or an ISO 8601 time")],
                                     detail: "\(field) must be a date (2026-12-05) or an ISO 8601 time.")
        }
        return Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }
}
