import Foundation
import Policy

/// `schema_enforcement none|warn|reject`: the engine's own setting, read from site.conf.
extension CheckOptions.SchemaEnforcement: ConfigEnum {}

/// The `authorization` block: which decision point answers `context.authorize` and how.
public struct AuthorizationSettings: BlockSettings {
    public enum Engine: Sendable, Equatable {
        /// The embedded engine reading `policies` (the default).
        case embedded
        /// An existing Cerbos PDP over its HTTP API.
        case cerbos(URL)
    }

    public var engine: Engine
    public var policies: String
    public var timeout: Swift.Duration
    public var watch: Swift.Duration
    public var defaultPolicyVersion: String
    public var defaultScope: String
    public var lenientScopeSearch: Bool
    public var strictEvaluation: Bool
    public var schemaEnforcement: CheckOptions.SchemaEnforcement
    public var globals: [String: String]
    public var cacheTTL: Swift.Duration
    public var logDecisions: Bool

    public init(from reader: SettingsReader) {
        let engineWords: [String] = reader.list("engine", default: ["embedded"],
                                                doc: "embedded (policies from the directory below) or cerbos <url> (an existing Cerbos PDP, e.g. ${CERBOS_URL}).")
        switch engineWords.first?.lowercased() {
        case "embedded" where engineWords.count == 1:
            engine = .embedded
        case "cerbos" where engineWords.count == 2:
            if let url = URL(string: engineWords[1]), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil {
                engine = .cerbos(url)
            } else {
                engine = .embedded
                reader.fail("engine", "'\(engineWords[1])' is not an http(s) URL", help: "write 'engine cerbos http://cerbos:3592'")
            }
        default:
            engine = .embedded
            reader.fail("engine", "unknown engine '\(engineWords.joined(separator: " "))'",
                        help: "write 'engine embedded' or 'engine cerbos http://host:3592'")
        }
        policies = reader.value("policies", default: "policies", doc: "Directory of Cerbos policy files (relative to the working directory).",
                                check: { $0.isEmpty ? "must name a directory" : nil })
        timeout = reader.value("timeout", default: .seconds(2), doc: "Longest a remote Cerbos check may take; a timeout denies (fail closed).")
        watch = reader.value("watch", default: .seconds(2), doc: "How often the policy directory is checked for changes; 0s turns watching off (SIGHUP still reloads).")
        defaultPolicyVersion = reader.value("default_version", default: "default", doc: "Policy version used when a check names none.",
                                            check: { $0.isEmpty || !$0.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) ? "letters, digits and _ only" : nil })
        defaultScope = reader.value("default_scope", default: "", doc: "Scope used when a check names none.")
        lenientScopeSearch = reader.value("lenient_scopes", default: false, doc: "A scope without policies falls back to its nearest ancestor that has some.")
        strictEvaluation = reader.value("strict_evaluation", default: false, doc: "A condition that fails to evaluate denies at once instead of counting as false.")
        schemaEnforcement = reader.value("schema_enforcement", default: .none, doc: "Check attributes against the policies' JSON schemas: none, warn or reject.")
        let globalPairs: [String] = reader.list("globals", default: [], doc: "Values policies read as G.name, written name=value.")
        var globals: [String: String] = [:]
        for pair in globalPairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                reader.fail("globals", "'\(pair)' is not name=value", help: "write 'globals environment=production, region=eu'")
                continue
            }
            globals[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        self.globals = globals
        cacheTTL = reader.value("cache_ttl", default: .seconds(0),
                                doc: "Remote engine only: how long a Cerbos decision is reused (CERBOS_DECISION_CACHE_TTL); 0s caches nothing.")
        logDecisions = reader.value("log_decisions", default: false, doc: "Log every decision (principal, resource, action, effect, policy, time) at info level.")
    }
}

/// The `pdp` block: a Cerbos-compatible check API for other services, on its own (internal) listener.
public struct PDPSettings: BlockSettings {
    public var enabled: Bool
    public var listen: HostPort
    public var maxResources: Int
    public var maxActions: Int

    public init(listen: HostPort = HostPort(host: "127.0.0.1", port: 3592), maxResources: Int = 50, maxActions: Int = 50) {
        self.enabled = true
        self.listen = listen
        self.maxResources = maxResources
        self.maxActions = maxActions
    }

    public init(from reader: SettingsReader) {
        enabled = reader.value("enabled", default: reader.isSet("listen"), doc: "Serve the check API (on when 'listen' is given).")
        listen = reader.value("listen", default: HostPort(host: "127.0.0.1", port: 3592), doc: "Address of the check API; keep it internal.")
        maxResources = reader.value("max_resources", default: 50, doc: "Most resources one check request may name.",
                                    check: { $0 >= 1 ? nil : "must be at least 1" })
        maxActions = reader.value("max_actions", default: 50, doc: "Most actions per resource in one check request.",
                                  check: { $0 >= 1 ? nil : "must be at least 1" })
    }
}
