import Audit
import Foundation
import Hummingbird
import Kernel
import Logging
import NIOCore
import SQLKit
import ServiceLifecycle

// In-process benchmarks for `make bench`:
//   lintel-bench jobs DATABASE_URL COUNT    enqueue COUNT no-op jobs, report enqueue→done throughput
//   lintel-bench bare-http PORT             /healthz on Hummingbird without the Kernel's phases (the bare ceiling)
//   lintel-bench policy POLICY_DIR COUNT    the embedded decision point: COUNT checks, median and p99 per check
//   lintel-bench audit DATABASE_URL COUNT   audit appends against plain inserts of the same rows, then chain verification
//   lintel-bench reads DATABASE_URL COUNT   one small read through Database.read, 32 concurrent
//   lintel-bench handler CONF TOKEN PATH COUNT  the responder's own work per request: /healthz and GET PATH

/// A plugin with one job kind that does nothing, so the figure is the queue's own cost.
struct BenchPlugin: Plugin {
    static let id: PluginID = "bench.jobs"
    static let summary = "A no-op job kind for benchmarks."
    init(settings: NoSettings, context: PluginContext) async throws {}
    func jobs() -> [JobDefinition] { [JobDefinition("bench.noop") { _, _ in }] }
}

func benchmarkJobs(database: String, count: Int) async throws {
    let directory = NSTemporaryDirectory() + "lintel-bench-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let conf = directory + "/site.conf"
    try """
        database \(database) { auto_migrate on }
        logging { level error }
        jobs {
            concurrency 16
            poll_interval 50ms
        }
        plugin bench.jobs { }
        """.write(toFile: conf, atomically: true, encoding: .utf8)
    let configuration = try SiteConfiguration.load(path: conf, variables: [:], catalog: PluginCatalog([BenchPlugin.self]))
    let kernel = try await Kernel.boot(configuration)
    var quiet = Logger(label: "bench")
    quiet.logLevel = .error
    let serviceGroup = ServiceGroup(configuration: .init(services: kernel.backgroundServices(), logger: quiet))
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await serviceGroup.run() }
        // Enqueue in transactions of 100, as a busy API would (each request enqueues inside its own transaction).
        for batch in stride(from: 0, to: count, by: 100) {
            try await kernel.database.transaction { sql in
                for _ in batch..<min(batch + 100, count) { try await kernel.jobs.enqueue("bench.noop", in: sql) }
            }
        }
        while true {
            let done = try await kernel.database.read { sql in
                try await sql.raw("SELECT COUNT(*) AS n FROM lintel_jobs WHERE kind = 'bench.noop' AND state = 'succeeded'").first()?.decode(column: "n", as: Int.self) ?? 0
            }
            if done == count { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        await serviceGroup.triggerGracefulShutdown()
        try await group.waitForAll()
    }
    let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18 + Double((ContinuousClock.now - started).components.seconds)
    let dialect = kernel.database.dialect.rawValue
    await kernel.shutdown()
    print(String(format: "%-40@ %12.0f jobs/s   (%d jobs in %.2f s)", "jobs enqueue→done, \(dialect)" as NSString, Double(count) / seconds, count, seconds))
}

func bareHTTP(port: Int) async throws {
    let router = Router()
    let body = ByteBuffer(string: #"{"status":"ok"}"#)
    router.get("/healthz") { _, _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body)) }
    var logger = Logger(label: "bare")
    logger.logLevel = .error
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
    try await app.runService()
}

/// Reads through `Database.read` from 32 concurrent tasks: what one small query costs a request.
func benchmarkReads(database url: String, count: Int) async throws {
    let settings = DatabaseSettings(url: try DatabaseURL.parse(configText: url).get())
    var quiet = Logger(label: "bench")
    quiet.logLevel = .error
    let database = try await Database.open(settings, logger: quiet)
    try await database.transaction { sql in
        try await sql.raw("CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, name TEXT NOT NULL)").run()
        try await sql.raw("INSERT INTO bench_rows (id, name) VALUES (1, 'one') ON CONFLICT (id) DO NOTHING").run()
    }
    for (label, query) in [("SELECT 1", "SELECT 1 AS n"), ("one row by primary key", "SELECT id, name FROM bench_rows WHERE id = 1")] {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<32 {
                group.addTask {
                    for _ in stride(from: worker, to: count, by: 32) {
                        _ = try await database.read { sql in try await sql.raw(SQLQueryString(query)).all() }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "%-40@ %12.0f reads/s   (%.1f µs each, 32 concurrent)", "read, \(database.dialect.rawValue): \(label)" as NSString,
                     Double(count) / seconds, seconds / Double(count) * 1e6))
    }
    await database.close()
}

/// The audit trail: appends against plain inserts of the same rows, then verification.
func benchmarkAudit(database: String, count: Int) async throws {
    let directory = NSTemporaryDirectory() + "lintel-bench-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let conf = directory + "/site.conf"
    try "database \(database) { auto_migrate on }\nlogging { level error }\njobs { workers off }\nplugin audit { archive_directory \(directory) }\n"
        .write(toFile: conf, atomically: true, encoding: .utf8)
    let kernel = try await Kernel.boot(try SiteConfiguration.load(path: conf, variables: [:], catalog: PluginCatalog([AuditPlugin.self])))
    let figures = try await AuditBenchmark.run(kernel, entries: count)
    let dialect = kernel.database.dialect.rawValue
    await kernel.shutdown()
    print(String(format: "%-40@ %12.0f rows/s", "plain inserts, \(dialect) (100 per commit)" as NSString, figures.plainPerSecond))
    print(String(format: "%-40@ %12.0f entries/s   (%.0f%% of plain inserts)", "audit appends, \(dialect)" as NSString, figures.appendPerSecond,
                 100 * figures.appendPerSecond / figures.plainPerSecond))
    print(String(format: "%-40@ %12.0f entries/s   (%d entries, %@; a million in %.1f s)", "chain verification, \(dialect)" as NSString,
                 figures.verifyPerSecond, figures.entries, (figures.verifiedValid ? "valid" : "INVALID") as NSString, 1_000_000 / figures.verifyPerSecond))
}

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "jobs" where arguments.count == 4:
    try await benchmarkJobs(database: arguments[2], count: Int(arguments[3]) ?? 10_000)
case "audit" where arguments.count == 4:
    try await benchmarkAudit(database: arguments[2], count: Int(arguments[3]) ?? 50_000)
case "reads" where arguments.count == 4:
    try await benchmarkReads(database: arguments[2], count: Int(arguments[3]) ?? 20_000)
case "bare-http" where arguments.count == 3:
    try await bareHTTP(port: Int(arguments[2]) ?? 8200)
case "handler" where arguments.count == 6:
    try await HandlerBenchmark.run(conf: arguments[2], token: arguments[3], path: arguments[4], count: Int(arguments[5]) ?? 100_000)
case "policy" where arguments.count == 4 || arguments.count == 5:
    try PolicyBenchmark.run(repositoryPolicies: arguments[2], iterations: Int(arguments[3]) ?? 200_000, only: arguments.count == 5 ? arguments[4] : nil)
default:
    FileHandle.standardError.write(Data("usage: lintel-bench jobs DATABASE_URL COUNT | audit DATABASE_URL COUNT | reads DATABASE_URL COUNT | handler CONF TOKEN PATH COUNT | bare-http PORT | policy POLICY_DIR COUNT\n".utf8))
    exit(64)
}
