import Kernel
import LintelPlugins
import Testing

/// The default `site.conf` loads with the plugins compiled into the binary and keeps honouring the
/// reference's environment variables.
@Suite("the shipped site.conf")
struct ShippedSiteConfTests {
    @Test func theReferenceVariablesOfTheDefaultSiteConfKeepWorking() throws {
        let config = try SiteConfiguration.load(path: Lintel.repository + "/site.conf", variables: [
            "DJANGO_SECRET_KEY": "from-the-environment", "DJANGO_DEBUG": "true", "LOG_LEVEL": "DEBUG",
            "CORS_ALLOWED_ORIGINS": "https://a.example.com,https://b.example.com", "DJANGO_ALLOWED_HOSTS": "api.example.com",
        ], catalog: compiledPlugins)
        #expect(config.security.secretKey.value == "from-the-environment")
        #expect(config.security.debug)
        #expect(config.logging.level == .debug)
        #expect(config.cors.allowedOrigins == ["https://a.example.com", "https://b.example.com"])
        #expect(config.server.allowedHosts == ["api.example.com"])
        #expect(config.database.url == .sqlite(path: "data/lintel.sqlite3"))
    }

    @Test func productionReadsTheReferencePostgresVariables() throws {
        let config = try SiteConfiguration.load(path: Lintel.repository + "/site.conf", environmentName: "production", variables: [
            "DJANGO_SECRET_KEY": String(repeating: "k", count: 40), "POSTGRES_HOST": "db.internal", "POSTGRES_USER": "svc",
            "POSTGRES_PASSWORD": "p@ss:w/rd", "POSTGRES_DB": "lintel", "CORS_ALLOWED_ORIGINS": "https://app.example.com",
        ], catalog: compiledPlugins)
        guard case .postgres(let location) = config.database.url else {
            Issue.record("expected PostgreSQL, got \(config.database.url)")
            return
        }
        #expect(location.host == "db.internal")
        #expect(location.user == "svc")
        #expect(location.password == "p@ss:w/rd")
        #expect(location.database == "lintel")
        #expect(config.database.autoMigrate == false)
    }
}
