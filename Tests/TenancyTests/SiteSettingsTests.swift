import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
@testable import SiteTesting
import Testing

/// The site's branding: public to read, platform admins change it.
@Suite("site settings")
struct SiteSettingsTests {
    @Test func anyoneReadsTheBrandingAndPlatformAdminsChangeIt() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let defaults = try await client.expect(.ok, .get, "/api/v1/settings/site").json
            #expect(defaults["site_name"] == "Lintel")
            #expect(defaults["logo_url"] == .null)
            #expect(defaults["updated_by"] == nil, "who changed it is for admins")
            let changed = try await client.expect(.ok, .put, "/api/v1/admin/settings/site",
                                                  ["site_name": "Acme Cloud", "logo_url": "https://cdn.acme.test/logo.svg", "primary_color": "#ff6600",
                                                   "support_email": "help@acme.test"], token: world.admin.token)
            #expect(changed.json["updated_by"] == .string(world.admin.id))
            let events = try await kernel.events.emitted(requestID: changed.requestID)
            #expect(events.map(\.name) == ["settings.updated"])
            #expect(events.first?.payload["before"]?["site_name"] == "Lintel")
            #expect(events.first?.payload["after"]?["site_name"] == "Acme Cloud")
            #expect(events.first?.payload["after"]?["primary_color"] == "#ff6600")
            let shown = try await client.expect(.ok, .get, "/api/v1/settings/site").json
            #expect(shown["site_name"] == "Acme Cloud")
            #expect(shown["logo_url"] == "https://cdn.acme.test/logo.svg")
            // null clears an optional field; an unchanged write emits nothing.
            let cleared = try await client.expect(.ok, .patch, "/api/v1/admin/settings/site", ["logo_url": .null], token: world.admin.token)
            #expect(cleared.json["logo_url"] == .null)
            let same = try await client.expect(.ok, .patch, "/api/v1/admin/settings/site", ["site_name": "Acme Cloud"], token: world.admin.token)
            #expect(try await kernel.events.emitted(requestID: same.requestID).isEmpty)
            let admin = try await client.expect(.ok, .get, "/api/v1/admin/settings/site", token: world.support.token).json
            #expect(admin["support_email"] == "help@acme.test")
        }
    }

    @Test func badSettingsAreRefusedFieldByFieldAndChangeNothing() async throws {
        try await TenancyWorld.with { kernel, client, world in
            let bad = try await client.expect(.unprocessableContent, .put, "/api/v1/admin/settings/site",
                                              ["site_name": .null, "logo_url": "javascript:alert(1)", "primary_color": "orange", "support_email": "nobody",
                                               "favicon_url": 42, "theme": "dark"], token: world.admin.token)
            let pointers = Set(bad.json["errors"]?.arrayValue?.compactMap { $0["pointer"]?.stringValue } ?? [])
            #expect(pointers == ["/site_name", "/logo_url", "/primary_color", "/support_email", "/favicon_url", "/theme"])
            try await client.expect(.unprocessableContent, .put, "/api/v1/admin/settings/site", ["a", "b"], token: world.admin.token)
            #expect(try await kernel.count("SELECT COUNT(*) AS n FROM site_settings") == 0)
            #expect(try await client.expect(.ok, .get, "/api/v1/settings/site").json["site_name"] == "Lintel")
        }
    }
}
