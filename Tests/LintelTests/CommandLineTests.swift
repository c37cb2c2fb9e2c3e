import Foundation
@testable import LintelTesting
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("the lintel command")
struct CommandLineTests {
    @Test func configCheckOnABrokenFileExitsTwoWithThePosition() throws {
        let directory = Scratch()
        let conf = directory.write("site.conf", "server {\n    listen 127.0.0.1:8000\n    max_body_size 2XB\n}\n")
        let result = try Lintel.run("config", "check", "--config", conf)
        #expect(result.status == 2)
        #expect(result.stderr.contains("site.conf:3:19: error: '2XB' is not valid for 'max_body_size': unknown unit 'xb'"))
        #expect(result.stderr.contains(" 3 |     max_body_size 2XB\n"))
        #expect(result.stderr.contains("   |                   ^~~\n"))
        #expect(result.stderr.contains("1 configuration error"))
    }

    @Test func configCheckOnTheShippedSiteConfPasses() throws {
        let result = try Lintel.run("config", "check", "--config", Lintel.repository + "/site.conf")
        #expect(result.status == 0)
        #expect(result.stdout.contains("valid for environment development"))
    }

    @Test func aBadConfigStopsServeBeforeAnythingIsTouched() throws {
        let directory = Scratch()
        let conf = directory.write("site.conf", "database sqlite://\(directory.path)/never.sqlite3\nlogging { level loud }\n")
        let result = try Lintel.run("serve", "--config", conf)
        #expect(result.status == 2)
        #expect(result.stderr.contains("site.conf:2:17: error:"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/never.sqlite3"))
    }

    @Test func productionRefusesTheDefaultSecretKey() throws {
        let result = try Lintel.run("config", "check", "--config", Lintel.repository + "/site.conf", environment: ["ENVIRONMENT": "production"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("refusing to start in production with the default secret key"))
    }

    @Test func configPrintMasksSecretsAndShowsOrigins() throws {
        let result = try Lintel.run("config", "print", "--config", Lintel.repository + "/site.conf",
                                    environment: ["DJANGO_SECRET_KEY": "super-secret-value", "LOG_LEVEL": "debug"])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("super-secret-value"))
        #expect(result.stdout.contains("secret_key \"********\""))
        #expect(result.stdout.contains("level debug"))
        #expect(result.stdout.contains("# env LOG_LEVEL"))
    }

    @Test func configFmtChecksAndRewrites() throws {
        let directory = Scratch()
        let conf = directory.write("site.conf", "logging {level debug;format text}\n")
        #expect(try Lintel.run("config", "fmt", "--check", conf).status == 1)
        #expect(try Lintel.run("config", "fmt", conf).stdout == "logging {\n    level debug\n    format text\n}\n")
        #expect(try Lintel.run("config", "fmt", "--overwrite", conf).status == 0)
        #expect(try String(contentsOfFile: conf, encoding: .utf8) == "logging {\n    level debug\n    format text\n}\n")
        #expect(try Lintel.run("config", "fmt", "--check", conf).status == 0)
    }

    @Test func migrateAppliesThenReportsUpToDate() throws {
        let directory = Scratch()
        let conf = directory.write("site.conf", "database sqlite://\(directory.path)/db.sqlite3\n")
        let first = try Lintel.run("migrate", "--config", conf)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/db.sqlite3"))
        let status = try Lintel.run("migrate", "--status", "--config", conf)
        #expect(status.status == 0)
        #expect(status.stdout.contains("Up to date.") || status.stdout.contains("No migrations are declared."))
    }

    @Test func versionAndHelp() throws {
        #expect(try Lintel.run("version").stdout == "lintel 0.1.0\n")
        let help = try Lintel.run("--help")
        #expect(help.status == 0)
        for verb in ["serve", "migrate", "config", "plugins", "version"] { #expect(help.stdout.contains(verb)) }
    }

    @Test func serveAnswersAndStopsGracefullyOnSIGTERM() async throws {
        let directory = Scratch()
        let port = Int.random(in: 20000...40000)
        let conf = directory.write("site.conf", "server { listen 127.0.0.1:\(port) }\ndatabase sqlite://\(directory.path)/db.sqlite3\n")
        let server = try Lintel.start("serve", "--config", conf)
        var body = ""
        for _ in 0..<100 {
            if let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!) {
                body = String(decoding: data, as: UTF8.self)
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(body == #"{"status":"ok"}"#)
        server.process.terminate()
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        let log = String(decoding: server.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("\"message\":\"listening\""))
        #expect(log.contains("\"message\":\"stopped\""))
    }
}

/// Runs the built `lintel` binary.
enum Lintel {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.path
    }()

    /// The binary next to the test bundle (both are built by `swift build --build-tests`).
    static let binary: String = {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        for candidate in [bundleDirectory + "/lintel", repository + "/.build/debug/lintel"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return repository + "/.build/debug/lintel"
    }()

    static func run(_ arguments: String..., environment: [String: String] = [:], input: String? = nil) throws -> Result {
        let (process, out, err) = try launch(arguments, environment: environment, input: input)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func start(_ arguments: String...) throws -> (process: Process, stderr: Pipe) {
        let (process, _, err) = try launch(arguments, environment: [:], input: nil)
        return (process, err)
    }

    private static func launch(_ arguments: [String], environment: [String: String], input: String?) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("DJANGO_") || key == "ENVIRONMENT" || key == "LOG_LEVEL" || key == "DATABASE_URL" { env[key] = nil }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = stdin
        try ProcessLaunch.run(process)
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        return (process, out, err)
    }
}

/// A temporary directory for one test.
final class Scratch: @unchecked Sendable {
    let path = NSTemporaryDirectory() + "lintel-cli-tests/" + UUID().uuidString.lowercased()
    init() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        try? FileManager.default.createDirectory(atPath: ((path + "/" + name) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path + "/" + name, contents: Data(text.utf8))
        return path + "/" + name
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("lintel policy")
struct PolicyCommandTests {
    static let policy = """
        apiVersion: api.cerbos.dev/v1
        resourcePolicy:
          resource: doc
          version: default
          rules:
            - actions: ["view"]
              effect: EFFECT_ALLOW
              roles: ["user"]
        """

    @Test func checkCompilesTheShippedPolicies() throws {
        let result = try Lintel.run("policy", "check", Lintel.repository + "/policies")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("policies compiled"))
    }

    @Test func checkReportsEveryProblemWithItsPosition() throws {
        let directory = Scratch()
        directory.write("doc.yaml", Self.policy.replacingOccurrences(of: "roles:", with: "rolez:"))
        directory.write("other.yaml", Self.policy.replacingOccurrences(of: "resource: doc", with: "resource: other")
            .replacingOccurrences(of: "roles: [\"user\"]", with: "roles: [\"user\"]\n      condition:\n        match:\n          expr: R.attr.x ==="))
        let result = try Lintel.run("policy", "check", directory.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("do not compile (3 problems)"))
        #expect(result.stderr.contains("doc.yaml:8:7: unknown field \"rolez\", did you mean \"roles\"?"))
        #expect(result.stderr.contains("other.yaml:11:17: invalid expression `R.attr.x ===`: syntax error at 1:12"))
    }

    @Test func testRunsTheShippedSuites() throws {
        let result = try Lintel.run("policy", "test", Lintel.repository + "/policies")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("tests executed"))
        #expect(!result.stdout.contains("FAILED"))
    }

    @Test func aFailingExpectationFailsTheRun() throws {
        let directory = Scratch()
        directory.write("doc.yaml", Self.policy)
        directory.write("doc_test.yaml", """
            name: DocSuite
            principals:
              bob: {id: bob, roles: [user]}
            resources:
              doc1: {kind: doc, id: d1}
            tests:
              - name: bob views and edits
                input:
                  principals: [bob]
                  resources: [doc1]
                  actions: [view, edit]
                expected:
                  - principal: bob
                    resource: doc1
                    actions:
                      view: EFFECT_ALLOW
                      edit: EFFECT_ALLOW
            """)
        let result = try Lintel.run("policy", "test", directory.path)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAILED"))
        #expect(result.stdout.contains("edit"))
    }

    @Test func serveRefusesBrokenPoliciesBeforeOpeningTheDatabase() throws {
        let directory = Scratch()
        directory.write("policies/doc.yaml", Self.policy.replacingOccurrences(of: "effect:", with: "efect:"))
        let conf = directory.write("site.conf", "database sqlite://\(directory.path)/never.sqlite3\nauthorization { policies \"\(directory.path)/policies\" }\n")
        let result = try Lintel.run("serve", "--config", conf)
        #expect(result.status == 1)
        #expect(result.stderr.contains("doc.yaml:7:7: unknown field \"efect\""))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/never.sqlite3"))
    }
}
