/// The compiled plugins, as listed once in `Sources/lintel`.
public struct PluginCatalog: Sendable {
    public let plugins: [any Plugin.Type]

    public init(_ plugins: [any Plugin.Type]) {
        self.plugins = plugins
    }

    public func plugin(_ id: String) -> (any Plugin.Type)? {
        plugins.first { $0.id.rawValue == id }
    }

    /// Ids compiled in more than once (a build mistake the Kernel refuses to run with).
    public var duplicateIDs: [PluginID] {
        var seen = Set<PluginID>(), duplicates: [PluginID] = []
        for plugin in plugins where !seen.insert(plugin.id).inserted { duplicates.append(plugin.id) }
        return duplicates
    }
}
