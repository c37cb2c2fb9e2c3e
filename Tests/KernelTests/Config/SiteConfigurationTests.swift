import Kernel
@testable import LintelTesting
import Testing

@Suite("site.conf decoding: every error with its position")
struct SiteConfigurationTests {
    @Test func defaultsApplyWhenBlocksAreLeftOut() throws {
        let config = try TestSite.load("")
        #expect(config.server.listen == HostPort(host: "127.0.0.1", port: 8000))
        #expect(config.server.maxBodySize == .megabytes(2))
        #expect(config.database.url == .sqlite(path: "data/lintel.sqlite3"))
        #expect(config.database.autoMigrate)
        #expect(config.logging.level == .info)
        #expect(config.cors.allowedOrigins == ["http://localhost:5173"])
        #expect(config.security.debug == false)
    }

    @Test func postgresDoesNotAutoMigrateByDefault() throws {
        let config = try TestSite.load("database postgres://app@db:5432/app")
        #expect(config.database.autoMigrate == false)
        #expect(try TestSite.load("database postgres://app@db:5432/app { auto_migrate on }").database.autoMigrate)
    }

    @Test func unknownDirectiveGetsASuggestion() {
        let diagnostics = TestSite.diagnostics("logging {\n    levl debug\n}\n")
        #expect(diagnostics.count == 1)
        #expect(diagnostics[0].message == "unknown directive 'levl' in 'logging'")
        #expect(diagnostics[0].position?.line == 2)
        #expect(diagnostics[0].position?.column == 5)
        #expect(diagnostics[0].help?.hasPrefix("did you mean 'level'?") == true)
    }

    @Test func unknownBlockGetsASuggestion() {
        let diagnostics = TestSite.diagnostics("\n  sever { listen 127.0.0.1:1 }\n")
        #expect(diagnostics[0].message == "unknown block 'sever'")
        #expect(diagnostics[0].position?.line == 2)
        #expect(diagnostics[0].position?.column == 3)
        #expect(diagnostics[0].help?.hasPrefix("did you mean 'server'?") == true)
    }

    @Test func wrongTypeSaysWhatIsExpected() {
        let diagnostics = TestSite.diagnostics("server { max_body_size lots }")
        #expect(diagnostics[0].message == "'lots' is not valid for 'max_body_size': not a size")
        #expect(diagnostics[0].position?.column == 24)
        #expect(diagnostics[0].help == "expected a size like 512KB, 2MB or 1GiB")
    }

    @Test func outOfRangeValuesAreRefused() {
        let diagnostics = TestSite.diagnostics("database sqlite://x.db {\n    pool_size 9000\n}")
        #expect(diagnostics[0].message == "invalid 'pool_size': must be between 1 and 500")
        #expect(diagnostics[0].position?.line == 2)
        #expect(diagnostics[0].position?.column == 15)
    }

    @Test func aDirectiveSetTwiceIsRefused() {
        let diagnostics = TestSite.diagnostics("logging {\n    level info\n    level debug\n}")
        #expect(diagnostics[0].message == "'level' is set twice")
        #expect(diagnostics[0].position?.line == 3)
        #expect(diagnostics[0].notes.first?.position?.line == 2)
    }

    @Test func aDirectiveWithoutValueOrWithTooManyIsRefused() {
        let missing = TestSite.diagnostics("logging {\n    level\n}")
        #expect(missing[0].message == "'level' needs a value")
        let extra = TestSite.diagnostics("logging { level info debug }")
        #expect(extra[0].message == "'level' takes one value")
        #expect(extra[0].position?.column == 22)
    }

    @Test func everyProblemIsReportedInOneRun() {
        let diagnostics = TestSite.diagnostics("server { listn x }\nlogging { level loud }\ncors { allowed_origins ftp://x }\n")
        #expect(diagnostics.map { $0.position?.line ?? 0 } == [1, 2, 3])
    }

    @Test func unknownPluginGetsASuggestion() {
        let diagnostics = TestSite.diagnostics("plugin test.greter { greeting hi }", plugins: [GreeterPlugin.self])
        #expect(diagnostics[0].message == "unknown plugin 'test.greter'")
        #expect(diagnostics[0].position?.column == 8)
        #expect(diagnostics[0].help?.hasPrefix("did you mean 'test.greeter'?") == true)
    }

    @Test func missingRequiredSettingPointsAtTheBlock() {
        let diagnostics = TestSite.diagnostics("plugin test.greeter {\n    excitement 2\n}", plugins: [GreeterPlugin.self])
        #expect(diagnostics[0].message == "'plugin test.greeter' needs 'greeting'")
        #expect(diagnostics[0].position?.line == 1)
        #expect(diagnostics[0].position?.column == 21)
        #expect(diagnostics[0].help == "add 'greeting <a string>' (What to say.)")
    }

    @Test func pluginSettingsAreDecodedStrictly() throws {
        let diagnostics = TestSite.diagnostics("plugin test.greeter {\n    greeting hi\n    excitment 3\n}", plugins: [GreeterPlugin.self])
        #expect(diagnostics[0].message == "unknown directive 'excitment' in 'plugin test.greeter'")
        #expect(diagnostics[0].help?.hasPrefix("did you mean 'excitement'?") == true)
        let range = TestSite.diagnostics("plugin test.greeter {\n    greeting hi\n    excitement 9\n}", plugins: [GreeterPlugin.self])
        #expect(range[0].message == "invalid 'excitement': must be between 0 and 5")
    }

    @Test func aPluginWhoseRequirementIsNotEnabledIsRefused() {
        let diagnostics = TestSite.diagnostics("plugin test.audience { }", plugins: [GreeterPlugin.self, AudiencePlugin.self])
        #expect(diagnostics[0].message == "plugin 'test.audience' requires 'test.greeter', which is not enabled")
        #expect(diagnostics[0].position?.column == 8)
        #expect(diagnostics[0].help?.contains("plugin test.greeter { }") == true)
        let missing = TestSite.diagnostics("plugin test.orphan { }", plugins: [OrphanPlugin.self])
        #expect(missing[0].message == "plugin 'test.orphan' requires 'test.nowhere', which is not compiled into this build")
    }

    @Test func aRequiresCycleNamesBothPlugins() {
        let diagnostics = TestSite.diagnostics("plugin test.cycle.a { }\nplugin test.cycle.b { }", plugins: [CycleAPlugin.self, CycleBPlugin.self])
        #expect(diagnostics[0].message == "plugins require each other in a cycle: test.cycle.a → test.cycle.b → test.cycle.a")
    }

    @Test func duplicatePluginIdsInTheBuildAreRefused() {
        let diagnostics = TestSite.diagnostics("", plugins: [GreeterPlugin.self, GreeterTwinPlugin.self])
        #expect(diagnostics[0].message == "plugin id compiled in twice: test.greeter")
    }

    @Test func pluginsStartAfterWhatTheyRequire() throws {
        let config = try TestSite.load("plugin test.audience { }\nplugin test.greeter { greeting hi }",
                                       plugins: [AudiencePlugin.self, GreeterPlugin.self])
        #expect(config.plugins.map(\.id) == ["test.greeter", "test.audience"])
    }

    @Test func aDisabledPluginIsCheckedForTyposButNotForValues() {
        let ok = TestSite.diagnostics("plugin test.greeter {\n    enabled off\n    greeting ${UNSET_VARIABLE}\n}", plugins: [GreeterPlugin.self])
        #expect(ok.isEmpty)
        let typo = TestSite.diagnostics("plugin test.greeter {\n    enabled off\n    greting hi\n}", plugins: [GreeterPlugin.self])
        #expect(typo[0].message == "unknown directive 'greting' in 'plugin test.greeter'")
    }

    @Test func productionRefusesTheDefaultSecretKey() {
        let diagnostics = TestSite.diagnostics("security {\n    secret_key changeme\n}\ncors { allowed_origins https://app.example.com }", environment: "production")
        #expect(diagnostics.count == 1)
        #expect(diagnostics[0].message == "refusing to start in production with the default secret key")
        #expect(diagnostics[0].position?.line == 2)
        #expect(diagnostics[0].position?.column == 16)
        let short = TestSite.diagnostics("security { secret_key tooshort }\ncors { allowed_origins https://app.example.com }", environment: "production")
        #expect(short[0].message == "the secret key is too short for production (8 characters)")
    }

    @Test func productionRefusesDebugAndWildcardCORS() {
        let diagnostics = TestSite.diagnostics("""
            security {
                secret_key 0123456789abcdef0123456789abcdef
                debug on
            }
            cors { allowed_origins * }
            server { allowed_hosts * }
            """, environment: "production")
        #expect(diagnostics.map(\.message) == [
            "refusing to start in production with debug on",
            "refusing wildcard CORS ('*') in production",
            "refusing '*' in allowed_hosts in production",
        ])
        #expect(diagnostics.map { $0.position?.line ?? 0 } == [3, 5, 6])
    }

    @Test func wildcardCORSIsFineInDevelopment() throws {
        #expect(try TestSite.load("cors { allowed_origins * }").cors.allowsAnyOrigin)
    }

    @Test func printShowsEffectiveValuesOriginsAndMasksSecrets() throws {
        let config = try TestSite.load("""
            server { listen ${LISTEN} }
            security { secret_key ${DJANGO_SECRET_KEY:-changeme} }
            plugin test.greeter { greeting "Hi there" }
            """, variables: ["LISTEN": "127.0.0.1:9999"], plugins: [GreeterPlugin.self])
        let printed = config.printed()
        #expect(printed.contains("listen 127.0.0.1:9999"))
        #expect(printed.contains("# env LISTEN"))
        #expect(printed.contains("secret_key \"********\""))
        #expect(printed.contains("(DJANGO_SECRET_KEY unset)"))
        #expect(!printed.contains("changeme"))
        #expect(printed.contains("greeting \"Hi there\""))
        #expect(printed.contains("shutdown_timeout 30s"))
        #expect(printed.contains("# default"))
    }
}
