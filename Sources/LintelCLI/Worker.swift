import ArgumentParser
import Kernel
import Logging

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run job workers, the event dispatcher and the scheduler, without the HTTP API.",
        discussion: "Run as many as you like against one PostgreSQL database; jobs are never run twice at once. `lintel serve` also runs them unless jobs { workers off }."
    )

    @OptionGroup var site: SiteOptions

    @Option(name: .long, help: ArgumentHelp("Queues to work on, comma-separated (default: all).", valueName: "a,b"))
    var queues: String?

    func run() async throws {
        let configuration = try site.load()
        let logging = configuration.logging
        LoggingSystem.bootstrap { label in
            StructuredLogHandler(label: label, level: logging.level.loggerLevel, format: logging.format)
        }
        let kernel: Kernel
        do {
            kernel = try await Kernel.boot(configuration)
        } catch {
            Terminal.error("lintel: \(error)")
            throw ExitCode(1)
        }
        let selected = queues?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        try await kernel.work(queues: selected)
    }
}
