#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A configuration file read with its imports and with the blocks of the selected environment applied.
public struct LoadedConfig: Sendable {
    /// The file that was asked for.
    public var root: SourceFile
    /// The top-level directives after imports and environment overrides.
    public var directives: [ConfigDirective]
    /// The environment selected (`--environment`, `ENVIRONMENT`, default `development`).
    public var environmentName: String
    /// Every environment name that an `environment` block in the file mentions.
    public var declaredEnvironments: [String]
    /// The process environment used for `${…}`.
    public var variables: [String: String]
}

/// Reads `site.conf`: parses it, splices `import`s (globs allowed, cycles refused) and applies
/// `environment <name…> { … }` blocks of the selected environment on top of the base configuration.
public enum ConfigLoader {
    public static func load(path: String, environmentName: String, variables: [String: String]) throws(ConfigError) -> LoadedConfig {
        let root = try readSource(path, from: nil)
        var stack: [String] = [canonicalPath(path)]
        let directives = try expandImports(in: ConfigParser.parse(root), file: root, stack: &stack, variables: variables)

        var base: [ConfigDirective] = []
        var overrides: [[ConfigDirective]] = []
        var declared: [String] = []
        let log = DiagnosticLog()
        for directive in directives {
            guard directive.name == "environment" else { base.append(directive); continue }
            guard let children = directive.children, !directive.arguments.isEmpty else {
                log.report(Diagnostic("'environment' needs one or more names and a block", at: directive.position,
                                      length: directive.name.count, help: "write 'environment production { … }'"))
                continue
            }
            var names: [String] = []
            for argument in directive.arguments {
                let name = argument.text.literalText
                guard argument.text.isLiteral, isIdentifier(name) else {
                    log.report(Diagnostic("environment names are plain words", at: argument.position, length: argument.length,
                                          help: "use letters, digits, '-' and '_', e.g. 'production'"))
                    continue
                }
                names.append(name)
            }
            declared.append(contentsOf: names.filter { !declared.contains($0) })
            checkDuplicates(children, log: log)
            for child in children where child.name == "environment" {
                log.report(Diagnostic("environment blocks cannot be nested", at: child.position, length: child.name.count))
            }
            if names.contains(environmentName) { overrides.append(children) }
        }
        checkDuplicates(base, log: log)
        try log.throwIfAny()

        for override in overrides { merge(override, into: &base, topLevel: true) }
        return LoadedConfig(root: root, directives: base, environmentName: environmentName,
                            declaredEnvironments: declared, variables: variables)
    }

    /// What identifies a top-level block: its name, and for `plugin` also the plugin id.
    static func identity(_ directive: ConfigDirective, topLevel: Bool) -> String {
        if topLevel {
            if directive.name == "plugin", let id = directive.arguments.first { return "plugin \(id.text.literalText)" }
            return directive.name
        }
        return directive.children == nil ? directive.name : directive.key
    }

    static func checkDuplicates(_ directives: [ConfigDirective], log: DiagnosticLog) {
        var seen: [String: ConfigDirective] = [:]
        for directive in directives where directive.name != "environment" {
            let id = identity(directive, topLevel: true)
            if let first = seen[id] {
                log.report(Diagnostic("duplicate block '\(id)'", at: directive.position, length: directive.name.count,
                                      help: "merge the two into one block, or scope one with 'environment <name> { … }'",
                                      notes: [("first defined here", first.position)]))
            } else {
                seen[id] = directive
            }
        }
    }

    /// Applies an environment block: same-named blocks merge (arguments replaced when given, children merged),
    /// a leaf directive replaces every base directive of its name, anything else is added.
    static func merge(_ override: [ConfigDirective], into base: inout [ConfigDirective], topLevel: Bool) {
        for item in override {
            let id = identity(item, topLevel: topLevel)
            guard let index = base.firstIndex(where: { identity($0, topLevel: topLevel) == id }) else {
                base.append(item)
                continue
            }
            if topLevel || (item.children != nil && base[index].children != nil) {
                var target = base[index]
                let identityArguments = topLevel && item.name == "plugin" ? 1 : 0
                if item.arguments.count > identityArguments { target.arguments = item.arguments }
                if let children = item.children {
                    var merged = target.children ?? []
                    merge(children, into: &merged, topLevel: false)
                    target.children = merged
                    target.blockPosition = target.blockPosition ?? item.blockPosition
                }
                base[index] = target
            } else {
                base.removeAll { identity($0, topLevel: false) == id }
                base.insert(item, at: min(index, base.count))
            }
        }
    }

    // MARK: Imports

    private static func expandImports(in directives: [ConfigDirective], file: SourceFile, stack: inout [String], variables: [String: String]) throws(ConfigError) -> [ConfigDirective] {
        var result: [ConfigDirective] = []
        for var directive in directives {
            if directive.name == "import" {
                result.append(contentsOf: try importFiles(directive, from: file, stack: &stack, variables: variables))
                continue
            }
            if let children = directive.children {
                directive.children = try expandImports(in: children, file: file, stack: &stack, variables: variables)
            }
            result.append(directive)
        }
        return result
    }

    private static func importFiles(_ directive: ConfigDirective, from file: SourceFile, stack: inout [String], variables: [String: String]) throws(ConfigError) -> [ConfigDirective] {
        guard directive.arguments.count == 1, directive.children == nil else {
            throw ConfigError(Diagnostic("'import' takes exactly one path or glob", at: directive.position,
                                         length: directive.name.count, help: "write 'import conf.d/*.conf'"))
        }
        let argument = directive.arguments[0]
        let pattern: String
        switch argument.text.expand(in: variables) {
        case .success(let expanded): pattern = expanded.value
        case .failure(let diagnostic): throw ConfigError(diagnostic)
        }
        let directory = (file.path as NSString).deletingLastPathComponent
        let resolved = pattern.hasPrefix("/") || directory.isEmpty ? pattern : directory + "/" + pattern
        let paths: [String]
        if pattern.contains(where: { "*?[".contains($0) }) {
            paths = glob(resolved)
        } else {
            guard FileManager.default.fileExists(atPath: resolved) else {
                throw ConfigError(Diagnostic("imported file '\(resolved)' does not exist", at: argument.position, length: argument.length,
                                             help: "paths are relative to \(directory.isEmpty ? "the current directory" : directory); use a glob to allow no match"))
            }
            paths = [resolved]
        }
        var result: [ConfigDirective] = []
        for path in paths {
            let canonical = canonicalPath(path)
            if let start = stack.firstIndex(of: canonical) {
                let cycle = (stack[start...] + [canonical]).map { ($0 as NSString).lastPathComponent }.joined(separator: " → ")
                throw ConfigError(Diagnostic("import cycle: \(cycle)", at: argument.position, length: argument.length,
                                             help: "remove one of the imports that lead back to this file"))
            }
            let source = try readSource(path, from: argument)
            stack.append(canonical)
            result.append(contentsOf: try expandImports(in: ConfigParser.parse(source), file: source, stack: &stack, variables: variables))
            stack.removeLast()
        }
        return result
    }

    static func readSource(_ path: String, from argument: ConfigArgument?) throws(ConfigError) -> SourceFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(Diagnostic("cannot read configuration file '\(path)'", at: argument?.position, length: argument?.length ?? 1,
                                         help: "pass the right path with --config PATH"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(Diagnostic("'\(path)' is not UTF-8 text", at: argument?.position, length: argument?.length ?? 1))
        }
        return SourceFile(path: path, text: text)
    }

    static func canonicalPath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }

    static func isIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }
}
