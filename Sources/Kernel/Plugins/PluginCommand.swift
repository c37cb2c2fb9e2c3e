/// A command a plugin adds to the `lintel` command line (`lintel keys rotate`, `lintel createsuperuser`).
///
/// The command line boots the Kernel with `site.conf` (the plugin must be enabled there), hands the
/// provisioned plugin and the Kernel to `run`, and shuts everything down afterwards. A thrown
/// `PluginCommandError` prints its message and exits with status 1.
public struct PluginCommand: Sendable {
    /// The words that name the command (`["keys", "rotate"]`).
    public let path: [String]
    public let abstract: String
    /// The options after the words, for help (`--email <address> [--password-stdin]`).
    public let usage: String
    public let run: @Sendable (PluginCommandInvocation) async throws -> Void

    public init(_ path: [String], abstract: String, usage: String = "", run: @escaping @Sendable (PluginCommandInvocation) async throws -> Void) {
        self.path = path
        self.abstract = abstract
        self.usage = usage
        self.run = run
    }
}

/// One run of a plugin command.
public struct PluginCommandInvocation: Sendable {
    /// What followed the command's words (without `--config` and `--environment`).
    public let arguments: [String]
    /// The provisioned plugin that declared the command.
    public let plugin: any Plugin
    public let kernel: Kernel
    /// Where the command's output goes.
    public let output: @Sendable (String) -> Void
    /// Reads a line from the terminal (`secret`: without echo); `nil` when there is no terminal input.
    public let prompt: @Sendable (_ question: String, _ secret: Bool) -> String?

    public init(arguments: [String], plugin: any Plugin, kernel: Kernel, output: @escaping @Sendable (String) -> Void,
                prompt: @escaping @Sendable (String, Bool) -> String?) {
        self.arguments = arguments
        self.plugin = plugin
        self.kernel = kernel
        self.output = output
        self.prompt = prompt
    }

    /// The value after `--name`, or of `--name=value`.
    public func option(_ name: String) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--\(name)", index + 1 < arguments.count { return arguments[index + 1] }
            if argument.hasPrefix("--\(name)=") { return String(argument.dropFirst(name.count + 3)) }
        }
        return nil
    }

    /// Whether `--name` is present.
    public func flag(_ name: String) -> Bool { arguments.contains("--\(name)") }
}

/// A command's failure, told to the operator as is.
public struct PluginCommandError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
