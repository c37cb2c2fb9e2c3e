import Kernel
@testable import LintelTesting
import Testing

@Suite("lintel config fmt")
struct ConfigFormatterTests {
    @Test func formatsCanonically() throws {
        let messy = """
            # Lintel

              server {listen 127.0.0.1:8000;   max_body_size   2MB
            # inside
                    allowed_hosts a b   # why
            }



            logging { level "info" }
            """
        let formatted = try ConfigFormatter.format(SourceFile(path: "site.conf", text: messy))
        #expect(formatted == """
            # Lintel

            server {
                listen 127.0.0.1:8000
                max_body_size 2MB
                # inside
                allowed_hosts a b # why
            }

            logging {
                level "info"
            }

            """)
        #expect(try ConfigFormatter.format(SourceFile(path: "site.conf", text: formatted)) == formatted)
    }

    @Test func theShippedSiteConfIsFormatted() throws {
        let text = try String(contentsOfFile: Repository.root + "/site.conf", encoding: .utf8)
        #expect(try ConfigFormatter.format(SourceFile(path: "site.conf", text: text)) == text)
    }

    @Test func aBrokenFileIsNotFormatted() {
        #expect(throws: ConfigError.self) { try ConfigFormatter.format(SourceFile(path: "site.conf", text: "server {\n")) }
    }
}

import Foundation
