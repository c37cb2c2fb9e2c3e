import Policy

/// Why the Kernel could not start (configuration errors are `ConfigError`s instead).
public enum KernelError: Error, CustomStringConvertible {
    case pendingMigrations([Migrator.Status])
    case provisionFailed(plugin: PluginID, error: any Error)
    case validationFailed(plugin: PluginID, error: any Error)
    case routeConflict(method: String, path: String, owners: [String])
    case invalidRoute(method: String, path: String, owner: String, reason: String)
    case databaseUnavailable(any Error)
    case duplicateName(what: String, name: String)
    case unknownScheduledJob(schedule: String, kind: String, known: [String])
    case policiesInvalid(directory: String, error: PolicyLoadError)
    case pdpNeedsEmbeddedEngine

    public var description: String {
        switch self {
        case .pendingMigrations(let pending):
            let list = pending.prefix(10).map { "  \($0.owner)/\($0.id)" }.joined(separator: "\n")
            return "\(pending.count) migration\(pending.count == 1 ? " is" : "s are") pending:\n\(list)\n"
                + "Run `lintel migrate`, or set `database { auto_migrate on }`."
        case .provisionFailed(let plugin, let error):
            return "plugin \(plugin) failed to start: \(error)"
        case .validationFailed(let plugin, let error):
            return "plugin \(plugin) is misconfigured: \(error)"
        case .routeConflict(let method, let path, let owners):
            return "\(method) \(path) is registered by more than one owner: \(owners.joined(separator: ", "))"
        case .invalidRoute(let method, let path, let owner, let reason):
            return "\(owner) registers \(method) \(path): \(reason)"
        case .databaseUnavailable(let error):
            return "cannot open the database: \(error)"
        case .duplicateName(let what, let name):
            return "two \(what)s are named '\(name)'"
        case .unknownScheduledJob(let schedule, let kind, let known):
            return "schedule '\(schedule)' enqueues '\(kind)', which no enabled plugin runs (known kinds: \(known.joined(separator: ", ")))"
        case .policiesInvalid(let directory, let error):
            return "\(directory): \(error)\nRun `lintel policy check \(directory)` after fixing them."
        case .pdpNeedsEmbeddedEngine:
            return "the pdp listener serves the embedded engine, but authorization uses a remote Cerbos; point clients at Cerbos itself or use 'engine embedded'"
        }
    }
}
