import ArgumentParser
import Foundation
import Kernel

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check, print or format site.conf.",
        subcommands: [Check.self, Print.self, Format.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate site.conf without starting anything; exit 2 with file:line:col errors.",
            discussion: "Reads the file and its imports, applies the selected environment, and decodes every block strictly. Touches no database."
        )

        @OptionGroup var site: SiteOptions

        @Flag(name: .long, help: "Check the file once for every environment it declares, plus development and production.")
        var allEnvironments = false

        func run() async throws {
            let first = try site.load()
            var environments = [first.environmentName]
            if allEnvironments {
                for name in ["development", "production"] + first.source.declaredEnvironments where !environments.contains(name) {
                    environments.append(name)
                }
            }
            var failed = false
            for name in environments {
                do {
                    let configuration = name == first.environmentName ? first
                        : try SiteConfiguration.load(path: site.config, environmentName: name, catalog: LintelCommandLine.catalog)
                    let plugins = configuration.plugins.map { $0.id.rawValue }
                    Terminal.print("\(site.config): valid for environment \(name) (database \(configuration.database.url.configDescription); "
                        + "plugins: \(plugins.isEmpty ? "none" : plugins.joined(separator: ", ")))")
                } catch let error as ConfigError {
                    Terminal.error("environment \(name):\n\(error)")
                    failed = true
                }
            }
            if failed { throw ExitCode(2) }
        }
    }

    struct Print: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration: defaults filled in, secrets masked, each value's origin (file:line or env var)."
        )

        @OptionGroup var site: SiteOptions

        func run() async throws {
            Terminal.print(try site.load().printed())
        }
    }

    struct Format: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fmt",
            abstract: "Format a configuration file canonically (prints it unless --overwrite).",
            discussion: "One directive per line, four-space indentation, comments kept. Imports are not followed: format each file."
        )

        @Argument(help: ArgumentHelp("File to format (default: --config, else site.conf).", valueName: "path"))
        var path: String?

        @Option(name: .long, help: ArgumentHelp("Configuration file, when no path is given.", valueName: "path"))
        var config: String = "site.conf"

        @Flag(name: .long, help: "Rewrite the file in place.")
        var overwrite = false

        @Flag(name: .long, help: "Change nothing; exit 1 if the file is not formatted.")
        var check = false

        func run() async throws {
            let target = path ?? config
            guard let data = FileManager.default.contents(atPath: target), let text = String(data: data, encoding: .utf8) else {
                Terminal.error("lintel: cannot read \(target)")
                throw ExitCode(2)
            }
            let formatted: String
            do {
                formatted = try ConfigFormatter.format(SourceFile(path: target, text: text))
            } catch {
                Terminal.error(error.description)
                throw ExitCode(2)
            }
            if check {
                if formatted != text {
                    Terminal.error("\(target) is not formatted; run `lintel config fmt --overwrite \(target)`")
                    throw ExitCode(1)
                }
            } else if overwrite {
                if formatted != text { try Data(formatted.utf8).write(to: URL(fileURLWithPath: target), options: .atomic) }
            } else {
                FileHandle.standardOutput.write(Data(formatted.utf8))
            }
        }
    }
}
