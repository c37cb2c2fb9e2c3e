import Foundation
import Testing

/// auth.local's commands, run as an operator would.
@Suite("lintel createsuperuser and keys")
struct AuthCommandTests {
    static func site(_ directory: Scratch) -> String {
        directory.write("site.conf", """
            database sqlite://\(directory.path)/lintel.sqlite3
            logging { level warning }
            authorization { policies "\(Lintel.repository)/policies" }
            plugin tenancy {}
            plugin auth.local {}
            """)
    }

    @Test func createsuperuserMakesOneVerifiedPlatformAdmin() throws {
        let directory = Scratch()
        let conf = Self.site(directory)
        #expect(try Lintel.run("migrate", "--config", conf).status == 0)
        let created = try Lintel.run("createsuperuser", "--config", conf, "--email", "root@example.com", "--password-stdin",
                                     input: "a strong admin passphrase\n")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("Created platform admin root@example.com"))
        let again = try Lintel.run("createsuperuser", "--config", conf, "--email", "ROOT@example.com", "--password-stdin", input: "another passphrase ok\n")
        #expect(again.status == 1)
        #expect(again.stderr.contains("an account with the address ROOT@example.com exists already"))
        let weak = try Lintel.run("createsuperuser", "--config", conf, "--email", "b@example.com", "--password-stdin", input: "short\n")
        #expect(weak.status == 1)
        #expect(weak.stderr.contains("the password must be at least 8 characters long"))
        let disabled = Scratch()
        let noAuth = disabled.write("site.conf", "database sqlite://\(disabled.path)/x.sqlite3\nauthorization { policies \"\(Lintel.repository)/policies\" }\n")
        let refused = try Lintel.run("createsuperuser", "--config", noAuth, "--email", "a@example.com")
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("which site.conf does not enable"))
    }

    @Test func keysRotateAddsASigningKeyAndRetiresTheOld() throws {
        let directory = Scratch()
        let conf = Self.site(directory)
        #expect(try Lintel.run("migrate", "--config", conf).status == 0)
        let before = try Lintel.run("keys", "list", "--config", conf)
        #expect(before.stdout.split(separator: "\n").count == 1)
        let rotated = try Lintel.run("keys", "rotate", "--config", conf)
        #expect(rotated.status == 0)
        let kid = try #require(rotated.stdout.split(separator: " ").dropFirst(3).first.map { String($0.dropLast()) })
        let after = try Lintel.run("keys", "list", "--config", conf).stdout.split(separator: "\n")
        #expect(after.count == 2)
        #expect(after.first?.hasPrefix(kid) == true)
        #expect(after.first?.hasSuffix("signing") == true)
        #expect(after.last?.contains("retired") == true)
    }
}
