import ArgumentParser
import Foundation
import Kernel

/// Runs the commands plugins declare (`lintel keys rotate`, `lintel createsuperuser`): they are found
/// by their words before the built-in commands are parsed.
enum PluginCommandRunner {
    /// The plugin command `arguments` name, if any, with what follows its words.
    static func match(_ arguments: [String], catalog: PluginCatalog) -> (any Plugin.Type, PluginCommand, [String])? {
        for plugin in catalog.plugins {
            for command in plugin.commands where arguments.starts(with: command.path) {
                return (plugin, command, Array(arguments.dropFirst(command.path.count)))
            }
        }
        return nil
    }

    /// Boots the Kernel with site.conf and runs the command; returns the exit status.
    static func run(_ pluginType: any Plugin.Type, _ command: PluginCommand, arguments: [String], catalog: PluginCatalog) async -> Int32 {
        var rest: [String] = []
        var config = "site.conf"
        var environment: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--help" || argument == "-h" {
                Terminal.print("USAGE: lintel \(command.path.joined(separator: " ")) \(command.usage)\n\n\(command.abstract)\n\nOPTIONS:\n  --config <path>       site.conf to read (default ./site.conf)\n  --environment <name>  environment to apply")
                return 0
            }
            if argument == "--config", index + 1 < arguments.count { config = arguments[index + 1]; index += 2; continue }
            if argument == "--environment", index + 1 < arguments.count { environment = arguments[index + 1]; index += 2; continue }
            rest.append(argument)
            index += 1
        }
        let configuration: SiteConfiguration
        do {
            configuration = try SiteConfiguration.load(path: config, environmentName: environment, catalog: catalog)
        } catch let error as ConfigError {
            Terminal.error(error.description)
            return 2
        } catch {
            Terminal.error("lintel: \(error)")
            return 2
        }
        guard configuration.plugins.contains(where: { $0.id == pluginType.id }) else {
            Terminal.error("lintel: `\(command.path.joined(separator: " "))` belongs to plugin \(pluginType.id), which site.conf does not enable (add `plugin \(pluginType.id) { … }`)")
            return 2
        }
        let kernel: Kernel
        do {
            kernel = try await Kernel.boot(configuration)
        } catch {
            Terminal.error("lintel: \(error)")
            return 1
        }
        guard let plugin = kernel.plugins.first(where: { type(of: $0).id == pluginType.id }) else {
            await kernel.shutdown()
            return 1
        }
        let invocation = PluginCommandInvocation(arguments: rest, plugin: plugin, kernel: kernel, output: { Terminal.print($0) },
                                                 prompt: { question, secret in Terminal.prompt(question, secret: secret) })
        var status: Int32 = 0
        do {
            try await command.run(invocation)
        } catch {
            Terminal.error("lintel: \(error)")
            status = 1
        }
        await kernel.shutdown()
        return status
    }
}
