import ArgumentParser
import Foundation
import Kernel
import Synchronization

/// Runs the `lintel` command line with the plugins compiled into the calling executable.
public enum LintelCommandLine {
    static let catalogBox = Mutex(PluginCatalog([]))
    /// The plugins of this executable.
    static var catalog: PluginCatalog { catalogBox.withLock { $0 } }

    public static func main(catalog: PluginCatalog) async {
        catalogBox.withLock { $0 = catalog }
        if let (plugin, command, rest) = PluginCommandRunner.match(Array(CommandLine.arguments.dropFirst()), catalog: catalog) {
            exit(await PluginCommandRunner.run(plugin, command, arguments: rest, catalog: catalog))
        }
        await Lintel.main()
    }
}

struct Lintel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lintel",
        abstract: "Lintel: a self-hosted SaaS backend in one binary.",
        discussion: """
            Everything is configured in site.conf (see README.md). Start with:

              lintel config check      validate site.conf
              lintel migrate           create or update the database
              lintel serve             run the API on the address in server { listen }
              lintel policy test       compile policies/ and run its test suites

            Every command reads --config (default ./site.conf) and --environment (default $ENVIRONMENT,
            else development). Configuration errors exit with status 2.
            """,
        version: "lintel \(Kernel.version)",
        subcommands: [Serve.self, Worker.self, Migrate.self, ConfigCommand.self, PolicyCommand.self, Plugins.self, Version.self]
    )
}

/// Options every command that reads `site.conf` takes.
struct SiteOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Path of the configuration file.", valueName: "path"))
    var config: String = "site.conf"

    @Option(name: .long, help: ArgumentHelp("Environment whose `environment <name> { … }` blocks apply (default: $ENVIRONMENT, else development).", valueName: "name"))
    var environment: String?

    /// Loads the configuration, or prints every problem and exits with status 2.
    func load() throws -> SiteConfiguration {
        do {
            return try SiteConfiguration.load(path: config, environmentName: environment, catalog: LintelCommandLine.catalog)
        } catch let error as ConfigError {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
    }
}
