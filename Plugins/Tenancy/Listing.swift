import Foundation
import Hummingbird
import Kernel
import SQLKit

/// A list request: `?sort=` among the columns a list offers (`name`, `-name`, …) and keyset pagination
/// over (sort column, id), so the order is stable and pages do not shift while rows are added. The query
/// must select the sort column as `sort_key`.
struct Listing: Sendable {
    let page: PageRequest
    let column: String
    let idColumn: String
    let descending: Bool
    /// The sort as asked, for the query parameter docs.
    let sort: String

    /// `sorts`: API name → SQL column (the id column sorts by creation: ids are time-ordered UUIDv7).
    init(_ request: Request, sorts: [String: String], defaultSort: String, idColumn: String) throws {
        page = try PageRequest(request)
        let asked = request.uri.queryParameters["sort"].map(String.init) ?? defaultSort
        let name = asked.hasPrefix("-") ? String(asked.dropFirst()) : asked
        guard let column = sorts[name] else {
            let choices = sorts.keys.sorted().flatMap { [$0, "-" + $0] }.joined(separator: ", ")
            throw Problem.validation([FieldError(pointer: "/sort", detail: "must be one of \(choices)")],
                                     detail: "Query parameter sort must be one of \(choices).")
        }
        self.column = column
        self.idColumn = idColumn
        descending = asked.hasPrefix("-")
        sort = asked
    }

    /// ` AND (…)`: rows after the cursor, or nothing on the first page.
    var keyset: SQLQueryString {
        guard let after = page.after else { return "" }
        let op = descending ? "<" : ">"
        if column == idColumn || after.count < 2 {
            guard let id = after.last.flatMap({ UUID(canonical: $0) }) else { return " AND 1 = 0" }
            return " AND \(unsafeRaw: idColumn) \(unsafeRaw: op) \(bind: id)"
        }
        guard let id = UUID(canonical: after[1]) else { return " AND 1 = 0" }
        return " AND (\(unsafeRaw: column) \(unsafeRaw: op) \(bind: after[0]) OR (\(unsafeRaw: column) = \(bind: after[0]) AND \(unsafeRaw: idColumn) \(unsafeRaw: op) \(bind: id)))"
    }

    /// ` ORDER BY … LIMIT n`.
    var orderAndLimit: SQLQueryString {
        let direction = descending ? "DESC" : "ASC"
        let order = column == idColumn ? "\(idColumn) \(direction)" : "\(column) \(direction), \(idColumn) \(direction)"
        return " ORDER BY \(unsafeRaw: order) LIMIT \(bind: page.limit)"
    }

    /// The cursor value of a row (its sort key and id).
    func key(_ row: any SQLRow, id: UUID) throws -> [String] {
        column == idColumn ? [id.lowercasedString] : [try row.decode(column: "sort_key", as: String.self), id.lowercasedString]
    }

    /// The page envelope: `results`, `count`, `next`.
    func page(_ items: [JSONValue], keys: [[String]], count: Int, request: Request) -> JSONValue {
        let next = page.next(for: request, pageCount: items.count, lastKey: keys.last)
        return ["results": .array(items), "count": .int(count), "next": next.map { .string($0) } ?? .null]
    }

    /// The query parameters every list takes.
    static func parameters(sorts: [String], defaultSort: String, filters: [RouteOperation.QueryParameter]) -> [RouteOperation.QueryParameter] {
        filters + [
            .init("sort", "Order: \(sorts.flatMap { [$0, "-" + $0] }.joined(separator: ", ")) (default \(defaultSort)); ties are broken by id."),
            .init("limit", "Page size, 1–200 (default 50).", schema: ["type": "integer", "minimum": 1, "maximum": 200]),
            .init("cursor", "The opaque cursor of the `next` link."),
        ]
    }
}

/// Query-string filters, validated.
struct Filters {
    let request: Request

    func string(_ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }

    func uuid(_ name: String) throws -> UUID? {
        guard let text = string(name) else { return nil }
        guard let id = UUID(canonical: text) else {
            throw Problem.validation([FieldError(pointer: "/\(name)", detail: "must be a UUID")], detail: "Query parameter \(name) must be a UUID.")
        }
        return id
    }

    func choice(_ name: String, _ choices: [String]) throws -> String? {
        guard let text = string(name) else { return nil }
        guard choices.contains(text) else {
            throw Problem.validation([FieldError(pointer: "/\(name)", detail: "must be one of \(choices.joined(separator: ", "))")],
                                     detail: "Query parameter \(name) must be one of \(choices.joined(separator: ", ")).")
        }
        return text
    }

    /// A `LIKE` pattern matching `search` anywhere, case-insensitively (match against lower-cased columns).
    func search() -> String? {
        guard let text = string("search").map({ String($0.lowercased().prefix(100)) }) else { return nil }
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        return "%\(escaped)%"
    }
}
