/// The text of `lintel plugins`: every compiled plugin with what it requires, its migrations, and its
/// settings (defaults and docs) as a `site.conf` block.
public enum PluginListing {
    public static func render(_ catalog: PluginCatalog) -> String {
        guard !catalog.plugins.isEmpty else { return "No plugins are compiled into this build." }
        var out = ""
        for plugin in catalog.plugins {
            out += "\(plugin.id) — \(plugin.summary)\n"
            if !plugin.requires.isEmpty { out += "  requires: \(plugin.requires.map(\.rawValue).joined(separator: ", "))\n" }
            let migrations = plugin.migrations
            if !migrations.isEmpty { out += "  migrations: \(migrations.map(\.id).joined(separator: ", "))\n" }
            for command in plugin.commands {
                out += "  command: lintel \(command.path.joined(separator: " "))\(command.usage.isEmpty ? "" : " " + command.usage) — \(command.abstract)\n"
            }
            out += "  plugin \(plugin.id) {\n"
            out += settings([.init(key: "enabled", expectation: "on or off", defaultValue: "on", doc: "Switch the plugin on or off.", isList: false, nested: [])]
                + plugin.describeSettings(), depth: 2)
            out += "  }\n\n"
        }
        return out
    }

    static func settings(_ docs: [SettingsReader.Documentation], depth: Int) -> String {
        let indent = String(repeating: "    ", count: depth - 1) + "  "
        var out = ""
        for doc in docs where !doc.key.hasPrefix("<") {
            out += "\(indent)# \(doc.doc)\n"
            if doc.expectation == "block" {
                out += "\(indent)\(doc.key) {\n" + settings(doc.nested, depth: depth + 1) + "\(indent)}\n"
            } else if let value = doc.defaultValue {
                out += "\(indent)\(doc.key) \(value)\(value.isEmpty ? "" : "")    # \(doc.expectation)\n"
            } else {
                out += "\(indent)\(doc.key) <\(doc.expectation)>    # required\n"
            }
        }
        return out
    }
}
