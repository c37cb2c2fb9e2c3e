import Foundation
import Hummingbird

/// The one list envelope of the API: `{"results": […], "count": n, "next": "…" | null}`.
///
/// Lists are keyset-paginated: `next` is the URL of the following page (same filters, an opaque
/// `cursor`), or `null` on the last page; `count` is the number of items matching the filters.
/// Keyset pages stay stable while rows are inserted, and cost the same on page 1 and page 10,000.
public struct Page<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    public var results: [Item]
    public var count: Int
    public var next: String?

    public init(results: [Item], count: Int, next: String?) {
        self.results = results
        self.count = count
        self.next = next
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(results, forKey: .results)
        try container.encode(count, forKey: .count)
        try container.encode(next, forKey: .next)
    }

    enum CodingKeys: String, CodingKey { case results, count, next }
}

/// `?limit=&cursor=` of a list request, validated (400 when malformed).
public struct PageRequest: Sendable {
    /// Largest page a client may ask for.
    public static let maximumLimit = 200
    public static let defaultLimit = 50

    public var limit: Int
    /// The sort-key values of the last item of the previous page, decoded from the cursor.
    public var after: [String]?

    public init(limit: Int = PageRequest.defaultLimit, after: [String]? = nil) {
        self.limit = limit
        self.after = after
    }

    public init(_ request: Request) throws {
        let query = request.uri.queryParameters
        var limit = Self.defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text), (1...Self.maximumLimit).contains(value) else {
                throw Problem.validation([FieldError(pointer: "/limit", detail: "must be an integer from 1 to \(Self.maximumLimit)")],
                                         detail: "Query parameter limit must be an integer from 1 to \(Self.maximumLimit).")
            }
            limit = value
        }
        self.limit = limit
        if let cursor = query["cursor"] {
            guard let values = Self.decodeCursor(String(cursor)) else {
                throw Problem.badRequest("The cursor is not one this server issued; start again without it.")
            }
            after = values
        }
    }

    /// The `next` link: this request's URL with `cursor` set to the last item's sort key, or `nil` when
    /// the page was not full (the last page).
    public func next(for request: Request, pageCount: Int, lastKey: [String]?) -> String? {
        guard pageCount == limit, let lastKey else { return nil }
        var items = request.uri.queryParameters.filter { $0.key != "cursor" }.map { "\(Self.escape(String($0.key)))=\(Self.escape(String($0.value)))" }.sorted()
        items.append("cursor=\(Self.encodeCursor(lastKey))")
        return request.uri.path + "?" + items.joined(separator: "&")
    }

    static func encodeCursor(_ values: [String]) -> String {
        let json = (try? JSONEncoder().encode(values)) ?? Data("[]".utf8)
        return json.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ cursor: String) -> [String]? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard cursor.count <= 1024, let data = Data(base64Encoded: base64),
              let values = try? JSONDecoder().decode([String].self, from: data), !values.isEmpty else { return nil }
        return values
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?#"))) ?? text
    }
}
