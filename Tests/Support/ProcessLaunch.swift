import Foundation

/// Every program a test starts is launched through here, one launch at a time: Foundation's
/// `Process.run()` on Linux crashed once (a bad read inside `run()`) while other tests launched programs
/// on other threads. Only the launch is serialised; the programs run side by side.
enum ProcessLaunch {
    private static let lock = NSLock()

    static func run(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
