import Kernel
@testable import LintelTesting
import Testing

@Suite("site.conf syntax")
struct ConfigSyntaxTests {
    @Test func parsesDirectivesBlocksStringsAndComments() throws {
        let config = try TestSite.load("""
            # a comment
            server {
                listen 127.0.0.1:9000   # trailing comment
                public_url "https://api.example.com/#not-a-comment"
                allowed_hosts a.example.com b.example.com; max_body_size 4MB
            }
            security { secret_key "quote \\" backslash \\\\ tab\\t snowman \\u{2603}" }
            """)
        #expect(config.server.listen == HostPort(host: "127.0.0.1", port: 9000))
        #expect(config.server.publicURL.absoluteString == "https://api.example.com/#not-a-comment")
        #expect(config.server.allowedHosts == ["a.example.com", "b.example.com"])
        #expect(config.server.maxBodySize == .megabytes(4))
        #expect(config.security.secretKey.value == "quote \" backslash \\ tab\t snowman \u{2603}")
    }

    @Test func singleQuotedStringsAreLiteral() throws {
        let config = try TestSite.load("security { secret_key '${NOT_A_VAR}\\n$x' }")
        #expect(config.security.secretKey.value == "${NOT_A_VAR}\\n$x")
    }

    @Test func unterminatedStringIsReportedAtItsQuote() {
        let diagnostics = TestSite.diagnostics("server {\n    public_url \"http://x\n}\n")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message == "unterminated string")
        #expect(diagnostics.first?.position?.line == 2)
        #expect(diagnostics.first?.position?.column == 16)
    }

    @Test func unclosedBlockPointsAtItsBrace() {
        let diagnostics = TestSite.diagnostics("logging {\n    level info\n")
        #expect(diagnostics.first?.message == "this block is never closed")
        #expect(diagnostics.first?.position?.line == 1)
        #expect(diagnostics.first?.position?.column == 9)
    }

    @Test func strayClosingBraceIsAnError() {
        let diagnostics = TestSite.diagnostics("logging { level info }\n}\n")
        #expect(diagnostics.first?.message == "unexpected '}'")
        #expect(diagnostics.first?.position?.line == 2)
        #expect(diagnostics.first?.position?.column == 1)
    }

    @Test func unknownEscapeIsReportedWithTheValidOnes() {
        let diagnostics = TestSite.diagnostics(#"security { secret_key "a\qb" }"#)
        #expect(diagnostics.first?.message == "unknown escape sequence \\q")
        #expect(diagnostics.first?.position?.column == 25)
        #expect(diagnostics.first?.help?.contains("\\n") == true)
    }

    @Test func directiveNamesCannotBeInterpolated() {
        let diagnostics = TestSite.diagnostics("server {\n    ${NAME} x\n}")
        #expect(diagnostics.first?.message == "a directive name cannot contain ${…}")
        #expect(diagnostics.first?.position?.line == 2)
    }

    @Test func renderedDiagnosticShowsFileLineColumnTheLineAndACaret() {
        let diagnostics = TestSite.diagnostics("server {\n    listn 127.0.0.1:8000\n}\n")
        let text = diagnostics.first?.description ?? ""
        #expect(text.contains("site.conf:2:5: error: unknown directive 'listn' in 'server'"))
        #expect(text.contains(" 2 |     listn 127.0.0.1:8000\n"))
        #expect(text.contains("   |     ^~~~~\n"))
        #expect(text.contains("did you mean 'listen'?"))
    }
}
