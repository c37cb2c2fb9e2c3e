/// Reads one block's directives into typed values, strictly.
///
/// Problems are reported to a shared `DiagnosticLog` (so one run lists every mistake) and the default is
/// returned in their place; `finish()` reports directives nobody asked for, with "did you mean".
public final class SettingsReader: @unchecked Sendable {
    public enum Mode: Sendable { case decode, describe }

    /// What a directive is, for docs and `lintel plugins`.
    public struct Documentation: Sendable {
        public var key: String
        public var expectation: String
        /// The default as config text; `nil` when required.
        public var defaultValue: String?
        public var doc: String
        public var isList: Bool
        public var nested: [Documentation]
    }

    /// A value as decoded, for `config print`.
    public struct Effective: Sendable {
        public var key: String
        public var value: String
        /// `site.conf:12`, `env DJANGO_SECRET_KEY`, `site.conf:12 (default of ${X})` or `default`.
        public var origin: String
        public var nested: [Effective]?
    }

    public let mode: Mode
    /// The environment selected, for checks that differ in production.
    public let environmentName: String
    /// How messages name this block ("server", "plugin auth.local").
    public let blockName: String
    let directive: ConfigDirective?
    let log: DiagnosticLog
    let variables: [String: String]
    private var asked: [String] = []
    public private(set) var documentation: [Documentation] = []
    public private(set) var effective: [Effective] = []
    private var positions: [String: (SourcePosition, Int)] = [:]

    init(mode: Mode, blockName: String, directive: ConfigDirective?, log: DiagnosticLog, variables: [String: String], environmentName: String) {
        self.mode = mode
        self.blockName = blockName
        self.directive = directive
        self.log = log
        self.variables = variables
        self.environmentName = environmentName
    }

    /// Decodes `S` from `directive`, reporting problems to `log`.
    public static func decode<S: BlockSettings>(_ type: S.Type, blockName: String, directive: ConfigDirective?, log: DiagnosticLog, variables: [String: String], environmentName: String) -> (S, SettingsReader) {
        let reader = SettingsReader(mode: .decode, blockName: blockName, directive: directive, log: log, variables: variables, environmentName: environmentName)
        let settings = S(from: reader)
        reader.finish()
        return (settings, reader)
    }

    /// Runs `S`'s initializer against nothing to learn its directives and defaults.
    public static func describe<S: BlockSettings>(_ type: S.Type, blockName: String) -> [Documentation] {
        let reader = SettingsReader(mode: .describe, blockName: blockName, directive: nil, log: DiagnosticLog(), variables: [:], environmentName: "development")
        _ = S(from: reader)
        return reader.documentation
    }

    // MARK: Reading values

    /// A single-valued directive; absent means `defaultValue`.
    public func value<T: ConfigValue>(_ key: String, default defaultValue: T, doc: String, check: ((T) -> String?)? = nil) -> T {
        read(key, defaultText: defaultValue.configDescription, doc: doc, check: check) ?? defaultValue
    }

    /// A single-valued directive that may be left out.
    public func optional<T: ConfigValue>(_ key: String, doc: String, check: ((T) -> String?)? = nil) -> T? {
        read(key, defaultText: "(unset)", doc: doc, check: check)
    }

    /// A single-valued directive that must be given.
    public func required<T: ConfigValue>(_ key: String, doc: String, check: ((T) -> String?)? = nil) -> T {
        if mode == .decode, directives(named: key).isEmpty {
            log.report(Diagnostic("'\(blockName)' needs '\(key)'", at: directive?.blockPosition ?? directive?.position, length: 1,
                                  help: "add '\(key) <\(T.expectation)>' (\(doc))"))
        }
        return read(key, defaultText: nil, doc: doc, check: check) ?? T.placeholder
    }

    /// A list: every argument of the directive (repeatable), each split on commas.
    public func list<T: ConfigValue>(_ key: String, default defaultValue: [T], doc: String, check: ((T) -> String?)? = nil) -> [T] {
        asked.append(key)
        documentation.append(Documentation(key: key, expectation: "list of \(T.expectation)",
                                           defaultValue: defaultValue.map(\.configDescription).joined(separator: " "), doc: doc, isList: true, nested: []))
        let found = directives(named: key)
        guard mode == .decode, !found.isEmpty else {
            effective.append(Effective(key: key, value: defaultValue.map(\.redactedDescription).joined(separator: " "), origin: "default"))
            return defaultValue
        }
        var values: [T] = []
        var origins: [String] = []
        for d in found {
            if d.children != nil { reportBlockNotAllowed(d) }
            if d.arguments.isEmpty {
                log.report(Diagnostic("'\(key)' needs at least one value", at: d.position, length: key.count, help: "expected \(T.expectation)"))
            }
            for argument in d.arguments {
                guard let (text, origin) = expand(argument) else { continue }
                origins.append(origin)
                for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                    if let parsed = parse(T.self, item, argument: argument, key: key, check: check) { values.append(parsed) }
                }
            }
            positions[key] = (d.arguments.first?.position ?? d.position, d.arguments.first?.length ?? key.count)
        }
        effective.append(Effective(key: key, value: values.map(\.redactedDescription).joined(separator: " "),
                                   origin: Array(Set(origins)).sorted().joined(separator: ", ")))
        return values
    }

    /// The block's own first argument (`database <url> { … }`).
    public func argument<T: ConfigValue>(_ name: String, default defaultValue: T, doc: String, check: ((T) -> String?)? = nil) -> T {
        documentation.append(Documentation(key: "<\(name)>", expectation: T.expectation, defaultValue: defaultValue.configDescription,
                                           doc: doc, isList: false, nested: []))
        guard mode == .decode, let directive, let argument = directive.arguments.first else {
            effective.append(Effective(key: "<\(name)>", value: defaultValue.redactedDescription, origin: "default"))
            return defaultValue
        }
        for extra in directive.arguments.dropFirst() {
            log.report(Diagnostic("'\(directive.name)' takes one argument", at: extra.position, length: extra.length, help: "remove this"))
        }
        guard let (text, origin) = expand(argument), let value = parse(T.self, text, argument: argument, key: name, check: check) else {
            return defaultValue
        }
        positions["<\(name)>"] = (argument.position, argument.length)
        effective.append(Effective(key: "<\(name)>", value: value.redactedDescription, origin: origin))
        return value
    }

    /// A nested block decoded into its own settings type; absent means all its defaults.
    public func block<S: BlockSettings>(_ key: String, doc: String) -> S {
        asked.append(key)
        let found = directives(named: key)
        for extra in found.dropFirst() {
            log.report(Diagnostic("duplicate block '\(key)'", at: extra.position, length: key.count,
                                  notes: [("first defined here", found[0].position)]))
        }
        let child = found.first
        if let child, child.children == nil {
            log.report(Diagnostic("'\(key)' is a block", at: child.position, length: key.count, help: "write '\(key) { … }'"))
        }
        let reader = SettingsReader(mode: mode, blockName: "\(blockName) > \(key)", directive: child, log: log, variables: variables, environmentName: environmentName)
        let settings = S(from: reader)
        reader.finish()
        documentation.append(Documentation(key: key, expectation: "block", defaultValue: nil, doc: doc, isList: false, nested: reader.documentation))
        effective.append(Effective(key: key, value: "", origin: child.map { $0.position.fileAndLine } ?? "default", nested: reader.effective))
        return settings
    }

    /// Repeated blocks with a name, e.g. `queue mail { concurrency 2 }`; each name at most once.
    public func namedBlocks<S: BlockSettings>(_ key: String, doc: String) -> [(name: String, position: SourcePosition, settings: S)] {
        asked.append(key)
        let describer = SettingsReader(mode: .describe, blockName: "\(blockName) > \(key)", directive: nil, log: DiagnosticLog(),
                                       variables: [:], environmentName: environmentName)
        _ = S(from: describer)
        documentation.append(Documentation(key: "\(key) <name>", expectation: "block", defaultValue: nil, doc: doc, isList: false, nested: describer.documentation))
        guard mode == .decode else { return [] }
        var result: [(String, SourcePosition, S)] = []
        var seen: [String: SourcePosition] = [:]
        for child in directives(named: key) {
            guard child.arguments.count == 1, child.arguments[0].text.isLiteral, child.children != nil else {
                log.report(Diagnostic("'\(key)' needs a name and a block", at: child.position, length: key.count, help: "write '\(key) <name> { … }'"))
                continue
            }
            let name = child.arguments[0].text.literalText
            if let first = seen[name] {
                log.report(Diagnostic("duplicate \(key) '\(name)'", at: child.arguments[0].position, length: child.arguments[0].length,
                                      notes: [("first defined here", first)]))
                continue
            }
            seen[name] = child.position
            let reader = SettingsReader(mode: mode, blockName: "\(blockName) > \(key) \(name)", directive: child, log: log,
                                        variables: variables, environmentName: environmentName)
            let settings = S(from: reader)
            reader.finish()
            effective.append(Effective(key: "\(key) \(name)", value: "", origin: child.position.fileAndLine, nested: reader.effective))
            result.append((name, child.arguments[0].position, settings))
        }
        return result
    }

    // MARK: Cross-field checks

    /// Reports a problem with a directive's value (at its position, or at the block when it was left out).
    public func fail(_ key: String, _ message: String, help: String? = nil) {
        guard mode == .decode else { return }
        let (position, length) = positions[key] ?? (directive?.position ?? nil, directive?.name.count ?? 1) as (SourcePosition?, Int)
        log.report(Diagnostic(message, at: position, length: length, help: help))
    }

    /// Where a directive's value was written, if it was.
    public func position(of key: String) -> SourcePosition? { positions[key]?.0 }

    /// Whether the block wrote this directive (rather than leaving the default).
    public func isSet(_ key: String) -> Bool { !directives(named: key).isEmpty }

    // MARK: Internals

    private func directives(named key: String) -> [ConfigDirective] {
        directive?.children?.filter { $0.name == key } ?? []
    }

    private func read<T: ConfigValue>(_ key: String, defaultText: String?, doc: String, check: ((T) -> String?)?) -> T? {
        asked.append(key)
        documentation.append(Documentation(key: key, expectation: T.expectation, defaultValue: defaultText, doc: doc, isList: false, nested: []))
        let found = directives(named: key)
        guard mode == .decode, let d = found.first else {
            effective.append(Effective(key: key, value: defaultText ?? "", origin: "default"))
            return nil
        }
        for extra in found.dropFirst() {
            log.report(Diagnostic("'\(key)' is set twice", at: extra.position, length: key.count,
                                  help: "keep one", notes: [("first set here", d.position)]))
        }
        if d.children != nil { reportBlockNotAllowed(d) }
        guard let argument = d.arguments.first else {
            log.report(Diagnostic("'\(key)' needs a value", at: d.position, length: key.count, help: "expected \(T.expectation)"))
            return nil
        }
        for extra in d.arguments.dropFirst() {
            log.report(Diagnostic("'\(key)' takes one value", at: extra.position, length: extra.length,
                                  help: "quote the value if it contains spaces: \"…\""))
        }
        positions[key] = (argument.position, argument.length)
        guard let (text, origin) = expand(argument), let value = parse(T.self, text, argument: argument, key: key, check: check) else {
            return nil
        }
        effective.append(Effective(key: key, value: value.redactedDescription, origin: origin))
        return value
    }

    private func expand(_ argument: ConfigArgument) -> (String, String)? {
        switch argument.text.expand(in: variables) {
        case .failure(let diagnostic):
            log.report(diagnostic)
            return nil
        case .success(let expanded):
            let place = argument.position.fileAndLine
            let origin: String
            if !expanded.variables.isEmpty {
                origin = expanded.variables.map { "env \($0)" }.joined(separator: ", ")
            } else if !expanded.defaulted.isEmpty {
                origin = "\(place) (\(expanded.defaulted.joined(separator: ", ")) unset)"
            } else {
                origin = place
            }
            return (expanded.value, origin)
        }
    }

    private func parse<T: ConfigValue>(_ type: T.Type, _ text: String, argument: ConfigArgument, key: String, check: ((T) -> String?)?) -> T? {
        let fromVariables = argument.text.isLiteral ? "" : " (after substituting ${…})"
        switch T.parse(configText: text) {
        case .failure(let error):
            let shown = T.isSecret ? "the value" : "'\(text)'"
            log.report(Diagnostic("\(shown)\(fromVariables) is not valid for '\(key)': \(error.message)", at: argument.position,
                                  length: argument.length, help: error.help ?? "expected \(T.expectation)"))
            return nil
        case .success(let value):
            if let problem = check?(value) {
                log.report(Diagnostic("invalid '\(key)': \(problem)", at: argument.position, length: argument.length))
                return nil
            }
            return value
        }
    }

    private func reportBlockNotAllowed(_ d: ConfigDirective) {
        log.report(Diagnostic("'\(d.name)' does not take a block", at: d.blockPosition ?? d.position, help: "remove the { … }"))
    }

    /// Reports every directive of the block that the settings type never asked for.
    func finish() {
        guard mode == .decode, let children = directive?.children else { return }
        for child in children where !asked.contains(child.name) {
            log.report(Diagnostic("unknown directive '\(child.name)' in '\(blockName)'", at: child.position, length: child.name.count,
                                  help: Suggestion.help(for: child.name, in: Array(Set(asked)), noun: "directive")))
        }
    }

    /// Directive names the settings type understands (for checking disabled blocks without reading values).
    static func knownKeys(of documentation: [Documentation]) -> [String] {
        documentation.map(\.key).filter { !$0.hasPrefix("<") }
    }
}

import Foundation
