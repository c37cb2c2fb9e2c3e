import Foundation
import Kernel
@testable import LintelTesting
import Testing

@Suite("site.conf typed values")
struct ConfigValueTests {
    @Test(arguments: [("900s", 900_000), ("15m", 900_000), ("7d", 604_800_000), ("1h30m", 5_400_000), ("900", 900_000), ("250ms", 250), ("2w", 1_209_600_000)])
    func durations(text: String, milliseconds: Int64) throws {
        let value = try Swift.Duration.parse(configText: text).get()
        #expect(value == .milliseconds(milliseconds))
    }

    @Test func durationsRenderCompactly() {
        #expect(Swift.Duration.seconds(5400).configDescription == "1h30m")
        #expect(Swift.Duration.seconds(604_800).configDescription == "7d")
        #expect(Swift.Duration.zero.configDescription == "0s")
    }

    @Test(arguments: ["15x", "m", "-5", "1.5h", ""])
    func badDurationsAreRefused(text: String) {
        #expect(throws: ConfigValueError.self) { try Swift.Duration.parse(configText: text).get() }
    }

    @Test(arguments: [("2MB", 2_000_000), ("512KB", 512_000), ("1GiB", 1_073_741_824), ("4MiB", 4_194_304), ("100", 100), ("64B", 64)])
    func sizes(text: String, bytes: Int) throws {
        #expect(try ByteSize.parse(configText: text).get().bytes == bytes)
    }

    @Test func badSizeUnitNamesTheUnits() throws {
        let error = try #require(ByteSize.parse(configText: "2XB").failure)
        #expect(error.message == "unknown unit 'xb'")
        #expect(error.help == "use B, KB, MB, GB, KiB, MiB or GiB")
    }

    @Test func hostPorts() throws {
        #expect(try HostPort.parse(configText: "127.0.0.1:8000").get() == HostPort(host: "127.0.0.1", port: 8000))
        #expect(try HostPort.parse(configText: "[::1]:9000").get() == HostPort(host: "::1", port: 9000))
        #expect(try HostPort.parse(configText: ":8080").get() == HostPort(host: "0.0.0.0", port: 8080))
        #expect(try HostPort.parse(configText: "localhost:80").get().host == "localhost")
        #expect(HostPort.parse(configText: "localhost").failure?.message == "missing ':port'")
        #expect(HostPort.parse(configText: "localhost:70000").failure != nil)
        #expect(HostPort(host: "::1", port: 9000).configDescription == "[::1]:9000")
    }

    @Test func booleansAcceptTheUsualSpellings() throws {
        for yes in ["on", "true", "YES", "1"] { #expect(try Bool.parse(configText: yes).get()) }
        for no in ["off", "False", "no", "0"] { #expect(try !Bool.parse(configText: no).get()) }
        #expect(Bool.parse(configText: "maybe").failure != nil)
    }

    @Test func enumsSuggestTheClosestValue() throws {
        let error = try #require(LoggingSettings.Level.parse(configText: "warnign").failure)
        #expect(error.help?.hasPrefix("did you mean 'warning'?") == true)
        #expect(try LoggingSettings.Level.parse(configText: "INFO").get() == .info)
    }

    @Test func databaseURLs() throws {
        #expect(try DatabaseURL.parse(configText: "sqlite://data/x.sqlite3").get() == .sqlite(path: "data/x.sqlite3"))
        #expect(try DatabaseURL.parse(configText: "sqlite:///var/x.db").get() == .sqlite(path: "/var/x.db"))
        let pg = try DatabaseURL.parse(configText: "postgres://u:p%40ss@db:6543/app?sslmode=require").get()
        #expect(pg == .postgres(.init(host: "db", port: 6543, user: "u", password: "p@ss", database: "app", tls: true)))
        #expect(pg.configDescription == "postgres://u:********@db:6543/app?sslmode=require")
        #expect(DatabaseURL.parse(configText: "mysql://x/y").failure?.message == "unsupported database 'mysql'")
        #expect(DatabaseURL.parse(configText: "postgres://db:5432").failure?.message == "the URL names no database")
    }

    @Test func secretsNeverRender() {
        let secret = Secret("hunter2")
        #expect(secret.configDescription == "\"********\"")
        #expect("\(secret)" == "********")
    }
}

extension Result {
    var failure: Failure? { if case .failure(let error) = self { error } else { nil } }
}
