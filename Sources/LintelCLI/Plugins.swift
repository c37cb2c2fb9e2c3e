import ArgumentParser
import Kernel

struct Plugins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the compiled plugins: ids, what they require, their settings with defaults and docs."
    )

    func run() async throws {
        Terminal.print(PluginListing.render(LintelCommandLine.catalog))
    }
}
