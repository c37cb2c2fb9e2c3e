import Foundation
@testable import LintelTesting
import Testing

/// `lintel audit verify` and `lintel audit checkpoint`, run as an operator would, on entries a real
/// `lintel worker` wrote.
@Suite("lintel audit")
struct AuditCommandTests {
    @Test func verifyReportsAnIntactTrailThenTheEntryThatWasEdited() async throws {
        let directory = Scratch()
        let database = "\(directory.path)/lintel.sqlite3"
        let conf = directory.write("site.conf", """
            database sqlite://\(database)
            logging { level warning }
            authorization { policies "\(Lintel.repository)/policies" }
            jobs { poll_interval 100ms }
            plugin tenancy {}
            plugin auth.local {}
            plugin audit { archive_directory \(directory.path)/archive }
            """)
        #expect(try Lintel.run("migrate", "--config", conf).status == 0)
        #expect(try Lintel.run("createsuperuser", "--config", conf, "--email", "root@example.com", "--password-stdin",
                               input: "a strong admin passphrase\n").status == 0)
        // A worker turns the user.created event into the trail's first entry.
        let worker = try Lintel.start("worker", "--config", conf)
        var verified = ""
        for _ in 0..<300 where !verified.contains("platform: ok, 1 entries") {
            try await Task.sleep(for: .milliseconds(100))
            verified = try Lintel.run("audit", "verify", "--config", conf).stdout
        }
        worker.process.terminate()
        worker.process.waitUntilExit()
        #expect(verified.contains("platform: ok, 1 entries"), "\(verified)")
        let checkpoint = try Lintel.run("audit", "checkpoint", "--config", conf)
        #expect(checkpoint.stdout.contains("platform: 1 entries, root "))

        // Someone edits the entry in the database.
        let edit = #"import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE audit_entries SET details = ? WHERE sequence = 1", ('{"covered":1}',)); c.commit()"#
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", edit, database]
        try ProcessLaunch.run(process)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let broken = try Lintel.run("audit", "verify", "--config", conf)
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("platform: BROKEN after 0 entries — edited at sequence 1"), "\(broken.stdout)")
        #expect(broken.stderr.contains("1 audit chain(s) failed verification"))
    }
}
