import Foundation
@testable import LintelTesting
#if canImport(Glibc)
import Glibc
#endif

/// A `lintel-fixture` process (the lintel command line with the fixture plugins compiled in).
final class FixtureProcess: @unchecked Sendable {
    let process = Process()
    let logPath: String

    static let binary: String = {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        for candidate in [directory + "/lintel-fixture", Repository.root + "/.build/debug/lintel-fixture"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return Repository.root + "/.build/debug/lintel-fixture"
    }()

    init(_ arguments: [String], logDirectory: String) throws {
        logPath = logDirectory + "/fixture-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try ProcessLaunch.run(process)
    }

    var pid: Int32 { process.processIdentifier }

    /// `kill -9`: no shutdown, no cleanup, as when a machine dies.
    func kill9() {
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait for the graceful exit.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
