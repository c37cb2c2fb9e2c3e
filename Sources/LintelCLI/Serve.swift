import ArgumentParser
import Kernel
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API.",
        discussion: "Applies pending migrations first when database { auto_migrate on } (the default for SQLite). Stops gracefully on SIGTERM or SIGINT."
    )

    @OptionGroup var site: SiteOptions

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
        try await kernel.serve()
    }
}
