import Kernel
@testable import LintelTesting
import Testing

@Suite("site.conf ${VAR} interpolation")
struct ConfigInterpolationTests {
    @Test func substitutesVariablesAndDefaults() throws {
        let config = try TestSite.load("""
            server {
                listen ${HOST:-127.0.0.1}:${PORT}
                public_url https://${DOMAIN:-example.com}/api
            }
            """, variables: ["PORT": "9100", "DOMAIN": ""])
        #expect(config.server.listen == HostPort(host: "127.0.0.1", port: 9100))
        #expect(config.server.publicURL.absoluteString == "https://example.com/api")
    }

    @Test func dashWithoutColonKeepsAnEmptyValue() throws {
        let config = try TestSite.load("cors { allowed_origins http://a.example ${EXTRA-http://b.example} }", variables: ["EXTRA": ""])
        #expect(config.cors.allowedOrigins == ["http://a.example"])
    }

    @Test func defaultsMayThemselvesReferToVariables() throws {
        let config = try TestSite.load("database ${DATABASE_URL:-sqlite://${DATA_DIR:-data}/x.sqlite3}", variables: ["DATA_DIR": "/var/lib/lintel"])
        #expect(config.database.url == .sqlite(path: "/var/lib/lintel/x.sqlite3"))
    }

    @Test func escapedDollarIsLiteral() throws {
        let config = try TestSite.load(#"security { secret_key "pa\${ss}word-long-enough" }"#)
        #expect(config.security.secretKey.value == "pa${ss}word-long-enough")
    }

    @Test func unsetVariableWithoutDefaultIsAnErrorAtTheReference() {
        let diagnostics = TestSite.diagnostics("server {\n    listen 127.0.0.1:${LINTEL_PORT}\n}")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message == "environment variable LINTEL_PORT is not set")
        #expect(diagnostics.first?.position?.line == 2)
        #expect(diagnostics.first?.position?.column == 22)
        #expect(diagnostics.first?.help == "set LINTEL_PORT, or give a default with ${LINTEL_PORT:-value}")
    }

    @Test func requiredVariableCarriesItsMessage() {
        let diagnostics = TestSite.diagnostics("security { secret_key ${SECRET:?generate one with openssl rand -hex 32} }")
        #expect(diagnostics.first?.message == "SECRET: generate one with openssl rand -hex 32")
    }

    @Test func aValueThatBecomesInvalidAfterSubstitutionSaysSo() {
        let diagnostics = TestSite.diagnostics("logging { level ${LOG_LEVEL} }", variables: ["LOG_LEVEL": "verbose"])
        #expect(diagnostics.first?.message == "'verbose' (after substituting ${…}) is not valid for 'level': unknown value")
        #expect(diagnostics.first?.position?.column == 17)
    }

    @Test func malformedReferenceIsAnError() {
        let diagnostics = TestSite.diagnostics("logging { level ${LOG LEVEL} }")
        #expect(diagnostics.first?.message == "malformed variable reference")
    }
}
