import Kernel
@testable import LintelTesting
import Testing

@Suite("site.conf environments")
struct ConfigEnvironmentTests {
    static let conf = """
        server {
            listen 127.0.0.1:8000
            allowed_hosts localhost
        }
        logging { level debug }
        environment staging production {
            server { listen 0.0.0.0:8080 }
            logging { format text }
        }
        environment production {
            security { secret_key 0123456789abcdef0123456789abcdef }
            cors { allowed_origins https://app.example.com }
        }
        """

    @Test func baseConfigurationAppliesOutsideTheNamedEnvironments() throws {
        let config = try TestSite.load(Self.conf)
        #expect(config.environmentName == "development")
        #expect(config.server.listen == HostPort(host: "127.0.0.1", port: 8000))
        #expect(config.logging.format == .json)
    }

    @Test func environmentBlocksOverrideDirectivesAndKeepTheRest() throws {
        let config = try TestSite.load(Self.conf, environment: "production")
        #expect(config.server.listen == HostPort(host: "0.0.0.0", port: 8080))
        #expect(config.server.allowedHosts == ["localhost"])
        #expect(config.logging.level == .debug)
        #expect(config.logging.format == .text)
        #expect(config.security.secretKey.value == "0123456789abcdef0123456789abcdef")
    }

    @Test func theEnvironmentComesFromTheENVIRONMENTVariable() throws {
        let config = try TestSite.load(Self.conf, variables: ["ENVIRONMENT": "staging"])
        #expect(config.environmentName == "staging")
        #expect(config.server.listen.port == 8080)
    }

    @Test func aMisspelledEnvironmentIsRefused() {
        let diagnostics = TestSite.diagnostics(Self.conf, variables: ["ENVIRONMENT": "prodution"])
        #expect(diagnostics.first?.message == "unknown environment 'prodution' (from ENVIRONMENT)")
        #expect(diagnostics.first?.help?.hasPrefix("did you mean 'production'?") == true)
    }

    @Test func pluginsToggleByEnvironmentWithoutEditingTheFile() throws {
        let conf = """
            plugin test.greeter { greeting Hello }
            environment production {
                security { secret_key 0123456789abcdef0123456789abcdef }
                plugin test.greeter { enabled off }
            }
            """
        #expect(try TestSite.load(conf, plugins: [GreeterPlugin.self]).plugins.map(\.id) == ["test.greeter"])
        #expect(try TestSite.load(conf, environment: "production", plugins: [GreeterPlugin.self]).plugins.isEmpty)
        let toggled = try TestSite.load("plugin test.greeter { enabled ${GREETER_ENABLED:-true} }",
                                        variables: ["GREETER_ENABLED": "false"], plugins: [GreeterPlugin.self])
        #expect(toggled.plugins.isEmpty)
        #expect(toggled.disabledPlugins == ["test.greeter"])
    }

    @Test func environmentBlocksCannotNest() {
        let diagnostics = TestSite.diagnostics("environment production {\n    environment staging { }\n}\n")
        #expect(diagnostics.first?.message == "environment blocks cannot be nested")
        #expect(diagnostics.first?.position?.line == 2)
    }

    @Test func duplicateBlocksAreRefusedWithBothPlaces() {
        let diagnostics = TestSite.diagnostics("server { listen 127.0.0.1:1 }\nlogging { }\nserver { listen 127.0.0.1:2 }\n")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message == "duplicate block 'server'")
        #expect(diagnostics.first?.position?.line == 3)
        #expect(diagnostics.first?.notes.first?.position?.line == 1)
    }
}
