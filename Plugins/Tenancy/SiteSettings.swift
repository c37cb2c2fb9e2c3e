import Foundation
import Hummingbird
import Kernel
import SQLKit
import Synchronization

/// The site's branding: what `GET /api/v1/settings/site` shows anyone and platform admins change.
struct SiteSettings: Sendable, Equatable {
    static let fields = ["site_name", "logo_url", "favicon_url", "primary_color", "secondary_color", "support_email", "terms_url", "privacy_url"]
    static let defaults: [String: JSONValue] = ["site_name": "Lintel", "logo_url": .null, "favicon_url": .null, "primary_color": "#1f6feb",
                                                "secondary_color": "#0d1117", "support_email": .null, "terms_url": .null, "privacy_url": .null]

    var values: [String: JSONValue]
    var updatedAt: Date?
    var updatedBy: String?

    var publicJSON: JSONValue { .object(values) }

    var adminJSON: JSONValue {
        var object = values
        object["updated_at"] = updatedAt.map { .string(Timestamp.text($0)) } ?? .null
        object["updated_by"] = updatedBy.map { .string($0) } ?? .null
        return .object(object)
    }

    /// Problems with a change (`null` clears an optional field).
    static func problems(_ changes: [String: JSONValue]) -> [FieldError] {
        var errors = ValidationErrors()
        for (key, value) in changes {
            guard fields.contains(key) else {
                errors.add(key, detail: "is not a site setting (\(fields.joined(separator: ", ")))")
                continue
            }
            if value == .null {
                errors.check(key != "site_name", key, detail: "must not be null")
                continue
            }
            guard let text = value.stringValue else {
                errors.add(key, detail: "must be a string or null")
                continue
            }
            switch key {
            case "site_name":
                errors.check(!text.trimmingCharacters(in: .whitespaces).isEmpty && text.count <= 100, key, detail: "must be 1–100 characters")
            case "primary_color", "secondary_color":
                errors.check(isColor(text), key, detail: "must be a colour like #1f6feb")
            case "support_email":
                if let problem = EmailAddress.problem(text) { errors.add(key, detail: problem) }
            default:
                errors.check(isWebURL(text), key, detail: "must be an http(s) URL of at most 2048 characters")
            }
        }
        return errors.items
    }

    static func isColor(_ text: String) -> Bool {
        (text.count == 7 || text.count == 4) && text.hasPrefix("#") && text.dropFirst().allSatisfy(\.isHexDigit)
    }

    static func isWebURL(_ text: String) -> Bool {
        guard text.count <= 2048, let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            return false
        }
        return true
    }
}

/// Reads and writes the settings, keeping the current ones in memory (the public endpoint is hit by every
/// page load); other processes see a change within `interval`.
final class SiteSettingsStore: Sendable {
    let database: Database
    let events: EventBus
    private let cache: ReadThroughCache<Int, SiteSettings>

    init(database: Database, events: EventBus, interval: Duration) {
        self.database = database
        self.events = events
        cache = ReadThroughCache(interval: interval)
    }

    func current() async throws -> SiteSettings {
        let database = database
        return try await cache.value(for: 0) { try await database.read { sql in try await Self.load(sql) } }
    }

    static func load(_ sql: any SQLDatabase) async throws -> SiteSettings {
        var settings = SiteSettings(values: SiteSettings.defaults)
        for row in try await sql.raw("SELECT key, value, updated_at, updated_by FROM site_settings").all() {
            let key = try row.decode(column: "key", as: String.self)
            guard SiteSettings.fields.contains(key) else { continue }
            settings.values[key] = (try? JSONDecoder().decode(JSONValue.self, from: Data(try row.decode(column: "value", as: String.self).utf8))) ?? .null
            let at = try row.decode(column: "updated_at", as: Date.self)
            if settings.updatedAt.map({ at > $0 }) ?? true {
                settings.updatedAt = at
                settings.updatedBy = try row.decode(column: "updated_by", as: String?.self)
            }
        }
        return settings
    }

    /// Applies `changes` (validated) and emits `settings.updated` with the values before and after.
    func update(_ changes: [String: JSONValue], origin: EventOrigin) async throws -> SiteSettings {
        let (events, cache) = (events, cache)
        return try await database.transaction { sql -> SiteSettings in
            cache.invalidateAfterCommit()
            let before = try await Self.load(sql)
            let now = Date()
            for (key, value) in changes.sorted(by: { $0.key < $1.key }) where before.values[key] != value {
                try await sql.raw("""
                    INSERT INTO site_settings (key, value, updated_at, updated_by) VALUES (\(bind: key), \(bind: value.jsonString()), \(bind: now), \(bind: origin.actorID))
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                    """).run()
            }
            let after = try await Self.load(sql)
            if after.values != before.values {
                try await events.emit("settings.updated", payload: ["before": before.publicJSON, "after": after.publicJSON], origin: origin, in: sql)
            }
            return after
        }
    }
}

extension TenancyAPI {
    func addSiteSettingsRoutes(to routes: Routes) {
        let schema = Self.object(Dictionary(uniqueKeysWithValues: SiteSettings.fields.map { ($0, ["type": ["string", "null"]] as JSONValue) }))
        routes.get("/settings/site", RouteOperation("Site branding", description: "Name, logo, colours and support address, for any client before sign-in.",
                                               tags: ["settings"], access: .public, responses: [200: .init("The settings.", schema: schema)])) { _, _ in
            JSONResponse(try await siteSettings.current().publicJSON)
        }
        routes.get("/admin/settings/site", RouteOperation("Site settings", tags: ["admin"], access: .authenticated,
                                                     responses: [200: .init("The settings, with who changed them last.", schema: schema)])) { request, context in
            try await Self.adminGate(request, context)
            try await context.authorize("read", on: ResourceRef(kind: "site_settings", id: "site", concealsExistence: false))
            return JSONResponse(try await siteSettings.current().adminJSON)
        }
        let update = RouteOperation("Change site settings", description: "Any subset of the fields; null clears an optional one.", tags: ["admin"], access: .authenticated,
                               requestBody: schema, responses: [200: .init("The settings.", schema: schema), 422: Self.problem])
        let updateHandler: @Sendable (Request, AppRequestContext) async throws -> JSONResponse = { request, context in
            try await Self.adminGate(request, context)
            try await context.authorize("update", on: ResourceRef(kind: "site_settings", id: "site", concealsExistence: false))
            let body = try await request.decodeJSON(as: JSONValue.self, context: context)
            guard let changes = body.objectValue else { throw Problem.validation([FieldError(pointer: "", detail: "must be a JSON object")]) }
            let problems = SiteSettings.problems(changes)
            if !problems.isEmpty { throw Problem.validation(problems) }
            return JSONResponse(try await siteSettings.update(changes, origin: context.eventOrigin).adminJSON)
        }
        routes.put("/admin/settings/site", update, handler: updateHandler)
        routes.patch("/admin/settings/site", update, handler: updateHandler)
    }
}
