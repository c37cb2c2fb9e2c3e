import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real SMTP server (aiosmtpd, from the test virtualenv) that writes each accepted message to a folder.
final class SMTPSink: @unchecked Sendable {
    let port: Int
    let directory = TemporaryDirectory()
    private var process: Process?
    /// A socket bound to `port` (not listening: connections are refused) from creation until `start`, so
    /// that no server of another test binds the port meanwhile.
    private var reservation: Int32?

    init() {
        let (port, socket) = FreePort.reserve()
        self.port = port
        reservation = socket
    }

    static var python: String { Repository.root + "/.build/test-venv/bin/python3" }

    func start() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw SinkError("the test tools are missing: run scripts/test-tools.sh (make test does)")
        }
        releaseReservation()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Repository.root + "/scripts/smtp-sink.py", String(port), directory.path + "/mail"]
        let log = directory.path + "/sink.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try ProcessLaunch.run(process)
        self.process = process
        for _ in 0..<100 {
            if (try? String(contentsOfFile: log, encoding: .utf8))?.contains("ready") == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SinkError("the SMTP sink did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    private func releaseReservation() {
        if let reservation { close(reservation) }
        reservation = nil
    }

    func stop() {
        releaseReservation()
        guard let process, process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Messages received so far: the raw message and the envelope recipients.
    func messages() -> [(raw: String, recipients: [String])] {
        let folder = directory.path + "/mail"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return files.compactMap { file in
            guard let raw = try? String(contentsOfFile: folder + "/" + file, encoding: .utf8) else { return nil }
            let envelope = (try? Data(contentsOf: URL(fileURLWithPath: folder + "/" + file.replacingOccurrences(of: ".eml", with: ".json"))))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            return (raw, envelope?["rcpt_tos"] as? [String] ?? [])
        }
    }

    /// A site.conf `mail` block that delivers here.
    var mailBlock: String {
        "mail {\n    transport smtp\n    from lintel@example.com\n    smtp {\n        host 127.0.0.1\n        port \(port)\n    }\n}"
    }

    deinit { stop() }

    struct SinkError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// A TCP port nothing listens on right now, and never the same one twice in this process: a sink made
/// now and started later (to test retries) must not find its port taken by another test's sink meanwhile.
enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])

    static func next() -> Int {
        let (port, socket) = reserve()
        close(socket)
        return port
    }

    /// A new port and a socket bound to it, which holds the port until closed.
    static func reserve() -> (port: Int, socket: Int32) {
        while true {
            let (port, socket) = bound()
            if handedOut.withLock({ $0.insert(port).inserted }) { return (port, socket) }
            close(socket)
        }
    }

    private static func bound() -> (port: Int, socket: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (Int(UInt16(bigEndian: address.sin_port)), fd)
    }
}
