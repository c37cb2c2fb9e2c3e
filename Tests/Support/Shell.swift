import Foundation

/// Runs a program and returns its standard output; a non-zero exit is an error.
enum Shell {
    struct Failure: Error, CustomStringConvertible {
        let status: Int32
        let output: String
        var description: String { "exit \(status): \(output)" }
    }

    /// Waits on a thread of its own: tests run on Swift's cooperative pool (one thread per core), and a
    /// program that calls back into a server of this process (the PDP, a Keycloak double) needs that pool
    /// free to be answered.
    @discardableResult
    static func run(_ arguments: String...) async throws -> String {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            Thread { continuation.resume(with: Result { try runBlocking(arguments) }) }.start()
        }
    }

    /// Blocks the calling thread: only where awaiting is impossible (a `defer`).
    @discardableResult
    static func runBlocking(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try ProcessLaunch.run(process)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(status: process.terminationStatus, output: String(decoding: data + errors, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }
}
