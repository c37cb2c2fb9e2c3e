import Foundation

/// `site.conf` read, checked and decoded: the Kernel's settings and the enabled plugins in the order they
/// start. Loading touches no file but the configuration and no database; every problem in the file is
/// reported at once as a `ConfigError`.
public struct SiteConfiguration: Sendable {
    /// Top-level blocks the Kernel owns.
    public static let kernelBlocks = ["server", "database", "security", "logging", "cors", "rate_limit", "events", "jobs", "mail",
                                      "authorization", "pdp"]
    /// Environment names always accepted, besides those the file declares.
    public static let standardEnvironments = ["development", "test", "staging", "production"]

    /// A plugin switched on by the file, with its decoded settings.
    public struct ConfiguredPlugin: Sendable {
        public let type: any Plugin.Type
        public let settings: any BlockSettings
        public let directive: ConfigDirective?
        public var id: PluginID { type.id }
    }

    /// One block's effective values, for `config print`.
    public struct EffectiveBlock: Sendable {
        public var header: String
        public var origin: String
        public var settings: [SettingsReader.Effective]
    }

    public let environmentName: String
    public let source: LoadedConfig
    public let catalog: PluginCatalog
    public let server: ServerSettings
    public let database: DatabaseSettings
    public let security: SecuritySettings
    public let logging: LoggingSettings
    public let cors: CORSSettings
    public let rateLimit: RateLimitSettings
    public let events: EventsSettings
    public let jobs: JobsSettings
    public let mail: MailSettings
    public let authorization: AuthorizationSettings
    public let pdp: PDPSettings
    /// Enabled plugins, each after what it requires.
    public let plugins: [ConfiguredPlugin]
    /// Compiled plugins that are not enabled.
    public let disabledPlugins: [PluginID]
    public let effective: [EffectiveBlock]

    /// Reads `path`. The environment is `environmentName`, else `ENVIRONMENT`, else `development`.
    public static func load(path: String, environmentName: String? = nil, variables: [String: String] = ProcessInfo.processInfo.environment,
                            catalog: PluginCatalog) throws -> SiteConfiguration {
        let duplicates = catalog.duplicateIDs
        guard duplicates.isEmpty else {
            throw ConfigError(Diagnostic("plugin id\(duplicates.count == 1 ? "" : "s") compiled in twice: \(duplicates.map(\.rawValue).joined(separator: ", "))",
                                         at: nil, help: "each plugin in Sources/lintel's plugin list needs its own id"))
        }
        let environment = environmentName ?? variables["ENVIRONMENT"].flatMap { $0.isEmpty ? nil : $0 } ?? "development"
        let loaded = try ConfigLoader.load(path: path, environmentName: environment, variables: variables)
        let known = standardEnvironments + loaded.declaredEnvironments.filter { !standardEnvironments.contains($0) }
        guard known.contains(environment) else {
            throw ConfigError(Diagnostic("unknown environment '\(environment)' (from \(environmentName == nil ? "ENVIRONMENT" : "--environment"))",
                                         at: nil, help: Suggestion.help(for: environment, in: known, noun: "environment")))
        }
        return try decode(loaded, catalog: catalog)
    }

    private static func decode(_ loaded: LoadedConfig, catalog: PluginCatalog) throws -> SiteConfiguration {
        let log = DiagnosticLog()
        var kernelDirectives: [String: ConfigDirective] = [:]
        var pluginDirectives: [(any Plugin.Type, ConfigDirective)] = []
        for directive in loaded.directives {
            if directive.name == "plugin" {
                guard let first = directive.arguments.first, first.text.isLiteral else {
                    log.report(Diagnostic("'plugin' needs a plugin id", at: directive.position, length: 6,
                                          help: "write 'plugin auth.local { … }'; `lintel plugins` lists the ids"))
                    continue
                }
                for extra in directive.arguments.dropFirst() {
                    log.report(Diagnostic("'plugin' takes one id", at: extra.position, length: extra.length))
                }
                let id = first.text.literalText
                guard let type = catalog.plugin(id) else {
                    log.report(Diagnostic("unknown plugin '\(id)'", at: first.position, length: first.length,
                                          help: catalog.plugins.isEmpty ? "this build has no plugins compiled in"
                                            : Suggestion.help(for: id, in: catalog.plugins.map { $0.id.rawValue }, noun: "plugin id")))
                    continue
                }
                pluginDirectives.append((type, directive))
            } else if kernelBlocks.contains(directive.name) {
                if directive.name != "database" {
                    for argument in directive.arguments {
                        log.report(Diagnostic("'\(directive.name)' takes no arguments", at: argument.position, length: argument.length,
                                              help: "put settings inside the block: \(directive.name) { … }"))
                    }
                    if directive.children == nil {
                        log.report(Diagnostic("'\(directive.name)' is a block", at: directive.position, length: directive.name.count,
                                              help: "write '\(directive.name) { … }'"))
                    }
                }
                kernelDirectives[directive.name] = directive
            } else {
                log.report(Diagnostic("unknown block '\(directive.name)'", at: directive.position, length: directive.name.count,
                                      help: Suggestion.help(for: directive.name, in: kernelBlocks + ["plugin", "import", "environment"])))
            }
        }

        var effective: [EffectiveBlock] = []
        func kernel<S: BlockSettings>(_ name: String, _ type: S.Type) -> S {
            let directive = kernelDirectives[name]
            let (settings, reader) = SettingsReader.decode(type, blockName: name, directive: directive, log: log,
                                                           variables: loaded.variables, environmentName: loaded.environmentName)
            effective.append(EffectiveBlock(header: name, origin: directive?.position.fileAndLine ?? "default", settings: reader.effective))
            return settings
        }
        let server = kernel("server", ServerSettings.self)
        let database = kernel("database", DatabaseSettings.self)
        let security = kernel("security", SecuritySettings.self)
        let logging = kernel("logging", LoggingSettings.self)
        let cors = kernel("cors", CORSSettings.self)
        let rateLimit = kernel("rate_limit", RateLimitSettings.self)
        let events = kernel("events", EventsSettings.self)
        let jobs = kernel("jobs", JobsSettings.self)
        let mail = kernel("mail", MailSettings.self)
        let authorization = kernel("authorization", AuthorizationSettings.self)
        let pdp = kernel("pdp", PDPSettings.self)

        var enabled: [PluginID: (any Plugin.Type, ConfigDirective, any BlockSettings)] = [:]
        for (type, directive) in pluginDirectives {
            let reader = SettingsReader(mode: .decode, blockName: "plugin \(type.id)", directive: directive, log: log,
                                        variables: loaded.variables, environmentName: loaded.environmentName)
            let isEnabled = reader.value("enabled", default: true, doc: "Switch the plugin on or off.")
            if isEnabled {
                let settings = type.decodeSettings(reader)
                reader.finish()
                enabled[type.id] = (type, directive, settings)
                effective.append(EffectiveBlock(header: "plugin \(type.id)", origin: directive.position.fileAndLine, settings: reader.effective))
            } else {
                // A disabled block is checked for typos only: its values (and variables) are not read.
                let known = SettingsReader.knownKeys(of: type.describeSettings()) + ["enabled"]
                for child in directive.children ?? [] where !known.contains(child.name) {
                    log.report(Diagnostic("unknown directive '\(child.name)' in 'plugin \(type.id)'", at: child.position, length: child.name.count,
                                          help: Suggestion.help(for: child.name, in: known, noun: "directive")))
                }
                effective.append(EffectiveBlock(header: "plugin \(type.id)", origin: directive.position.fileAndLine,
                                                settings: [SettingsReader.Effective(key: "enabled", value: "off", origin: reader.effective.first?.origin ?? "default")]))
            }
        }

        let enabledIDs = catalog.plugins.map { $0.id }.filter { enabled[$0] != nil }
        var plugins: [ConfiguredPlugin] = []
        switch PluginOrder.sort(enabledIDs, requires: { enabled[$0]?.0.requires ?? [] }) {
        case .success(let order):
            plugins = order.map { id in
                let (type, directive, settings) = enabled[id]!
                return ConfiguredPlugin(type: type, settings: settings, directive: directive)
            }
        case .failure(.missing(let plugin, let requirement)):
            let directive = enabled[plugin]!.1
            let compiled = catalog.plugin(requirement.rawValue) != nil
            log.report(Diagnostic("plugin '\(plugin)' requires '\(requirement)', which is \(compiled ? "not enabled" : "not compiled into this build")",
                                  at: directive.arguments.first?.position ?? directive.position, length: directive.arguments.first?.length ?? 6,
                                  help: compiled ? "add 'plugin \(requirement) { }' (or set its 'enabled on'), or disable '\(plugin)'" : "disable '\(plugin)'"))
        case .failure(.cycle(let cycle)):
            let first = enabled[cycle[0]]!.1
            log.report(Diagnostic("plugins require each other in a cycle: \(cycle.map(\.rawValue).joined(separator: " → "))",
                                  at: first.arguments.first?.position ?? first.position, length: first.arguments.first?.length ?? 6,
                                  help: "a plugin cannot (indirectly) require itself; this is a bug in the plugins' `requires`",
                                  notes: cycle.dropFirst().dropLast().map { ("'\($0)' is enabled here", enabled[$0]!.1.position) }))
        }
        try log.throwIfAny()
        return SiteConfiguration(environmentName: loaded.environmentName, source: loaded, catalog: catalog, server: server,
                                 database: database, security: security, logging: logging, cors: cors, rateLimit: rateLimit,
                                 events: events, jobs: jobs, mail: mail, authorization: authorization, pdp: pdp, plugins: plugins,
                                 disabledPlugins: catalog.plugins.map { $0.id }.filter { enabled[$0] == nil }, effective: effective)
    }

    /// The effective configuration as `site.conf` text, secrets masked, each value's origin in a comment.
    public func printed() -> String {
        var out = "# environment: \(environmentName)\n"
        func render(_ settings: [SettingsReader.Effective], depth: Int) {
            let indent = String(repeating: "    ", count: depth)
            let width = max(24, (settings.map { $0.key.count + $0.value.count + 1 }.max() ?? 0) + 2)
            for setting in settings where !setting.key.hasPrefix("<") {
                if let nested = setting.nested {
                    out += "\(indent)\(setting.key) {  # \(setting.origin)\n"
                    render(nested, depth: depth + 1)
                    out += "\(indent)}\n"
                } else {
                    let line = setting.value.isEmpty ? setting.key : "\(setting.key) \(setting.value)"
                    out += indent + line.padding(toLength: max(width, line.count + 1), withPad: " ", startingAt: 0) + "# \(setting.origin)\n"
                }
            }
        }
        for block in effective {
            let argument = block.settings.first { $0.key.hasPrefix("<") }
            let header = argument.map { "\(block.header) \($0.value)" } ?? block.header
            out += "\n\(header) {  # \(argument?.origin ?? block.origin)\n"
            render(block.settings, depth: 1)
            out += "}\n"
        }
        return out
    }
}
