import Kernel
@testable import LintelTesting
import Testing

@Suite("site.conf import")
struct ConfigImportTests {
    @Test func importsFilesRelativeToTheImportingFile() throws {
        let directory = TemporaryDirectory()
        directory.write("conf.d/server.conf", "server { listen 127.0.0.1:9200 }\n")
        directory.write("conf.d/logging.conf", "logging { level warning }\n")
        directory.write("conf.d/ignored.txt", "this is not config {\n")
        let config = try TestSite.load("import conf.d/*.conf\n", directory: directory)
        #expect(config.server.listen.port == 9200)
        #expect(config.logging.level == .warning)
    }

    @Test func importsInsideABlockSpliceDirectives() throws {
        let directory = TemporaryDirectory()
        directory.write("cors-origins.conf", "allowed_origins https://one.example https://two.example\n")
        let config = try TestSite.load("cors {\n    import cors-origins.conf\n    max_age 1h\n}\n", directory: directory)
        #expect(config.cors.allowedOrigins == ["https://one.example", "https://two.example"])
        #expect(config.cors.maxAge == .seconds(3600))
    }

    @Test func aGlobWithoutMatchesImportsNothing() throws {
        let config = try TestSite.load("import extra/*.conf\nserver { listen 127.0.0.1:9300 }\n")
        #expect(config.server.listen.port == 9300)
    }

    @Test func aMissingFileIsAnErrorAtTheImport() {
        let diagnostics = TestSite.diagnostics("server { listen 127.0.0.1:9300 }\nimport nowhere.conf\n")
        #expect(diagnostics.first?.message.hasSuffix("nowhere.conf' does not exist") == true)
        #expect(diagnostics.first?.position?.line == 2)
        #expect(diagnostics.first?.position?.column == 8)
    }

    @Test func importCyclesAreRefusedNamingTheChain() throws {
        let directory = TemporaryDirectory()
        directory.write("a.conf", "import b.conf\n")
        directory.write("b.conf", "import site.conf\n")
        do {
            _ = try TestSite.load("import a.conf\n", directory: directory)
            Issue.record("the cycle was accepted")
        } catch let error as ConfigError {
            #expect(error.diagnostics.first?.message == "import cycle: site.conf → a.conf → b.conf → site.conf")
            #expect(error.diagnostics.first?.position?.file.path.hasSuffix("b.conf") == true)
        }
    }

    @Test func errorsInImportedFilesNameThatFile() throws {
        let directory = TemporaryDirectory()
        directory.write("logging.conf", "logging {\n    levle info\n}\n")
        do {
            _ = try TestSite.load("import logging.conf\n", directory: directory)
            Issue.record("the typo was accepted")
        } catch let error as ConfigError {
            let position = try #require(error.diagnostics.first?.position)
            #expect(position.file.path.hasSuffix("/logging.conf"))
            #expect(position.line == 2)
            #expect(position.column == 5)
        }
    }
}
