import CEL

/// The variables and constants one policy's expressions see: local definitions merged with imported
/// `exportVariables` / `exportConstants`, compiled lazily (a variable is evaluated at most once per check,
/// and only when something reads it).
struct PolicyScope {
    let namespaces: [String: CELLazyBindings]
}

extension PolicyCompiler {
    /// Merges and compiles `variables` and `constants`, reporting redefinitions, cycles and bad expressions.
    func policyScope(variables: VariablesDefinition, constants: ConstantsDefinition, file: String) -> PolicyScope {
        // Imported then local; a name defined twice is an error.
        let (constantValues, redefinedConstants) = Self.merge(constants.imports, { exportedConstants[$0]?.definitions }, constants.local,
                                                              localOrigin: "policy local constants", name: \.name)
        for (name, origins) in redefinedConstants {
            let position = constants.local.first { $0.name == name }?.position ?? constants.imports.first?.position ?? .unknown
            problem(.compile, file, position, "constant redefined: constant '\(name)' has multiple definitions in \(origins.joined(separator: ", "))")
        }
        let constantBindings = CELLazyBindings(names: constantValues.map(\.name), kind: "constant")
        for constant in constantValues { constantBindings.define(constant.name, .constant(constant.value, source: constant.name)) }

        let (definitions, redefinedVariables) = Self.merge(variables.imports, { exportedVariables[$0]?.definitions }, variables.local,
                                                           localOrigin: "policy local variables", name: \.name)
        for (name, origins) in redefinedVariables {
            let position = definitions.last { $0.name == name }?.expression.position ?? .unknown
            problem(.compile, file, position, "variable redefined: variable '\(name)' has multiple definitions in \(origins.joined(separator: ", "))")
        }
        var seen: Set<String> = []
        let unique = definitions.filter { seen.insert($0.name).inserted }

        let variableBindings = CELLazyBindings(names: unique.map(\.name))
        let namespaces: [String: CELLazyBindings] = [
            "V": variableBindings, "variables": variableBindings, "C": constantBindings, "constants": constantBindings,
        ]
        // A variable must not depend on itself, directly or through others: evaluation would never end.
        var dependencies: [String: [String]] = [:]
        for definition in unique {
            guard let references = try? CELEnvironment.references(in: definition.expression.value) else { continue }
            dependencies[definition.name] = references.compactMap { reference -> String? in
                for prefix in ["V.", "variables."] where reference.hasPrefix(prefix) { return String(reference.dropFirst(prefix.count)) }
                return nil
            }
        }
        var cyclic: Set<String> = []
        for definition in unique {
            if !cyclic.contains(definition.name), let cycle = Self.cycle(from: definition.name, dependencies) {
                cyclic.formUnion(cycle)
                let message = cycle.count == 1
                    ? "cyclical variable definitions: variable '\(definition.name)' references itself"
                    : "cyclical variable definitions: variables \(cycle.map { "'\($0)'" }.joined(separator: ", ")) form a cycle"
                problem(.compile, file, definition.expression.position, message)
            }
        }
        for definition in unique where !cyclic.contains(definition.name) {
            do {
                let program = try PolicyEnvironment.environment.compile(definition.expression.value, namespaces: namespaces)
                usedSlots.formUnion(program.usedSlots)
                variableBindings.define(definition.name, program)
            } catch {
                problem(.compile, file, definition.expression.position,
                        "invalid expression `\(definition.expression.value)` in variable '\(definition.name)': \(error.message)")
            }
        }
        return PolicyScope(namespaces: namespaces)
    }

    /// The definitions of every import (those that exist: a missing one is reported elsewhere) then the local
    /// ones, and the names defined more than once, with where each definition comes from.
    static func merge<Definition>(_ imports: [Located<String>], _ exported: (String) -> [Definition]?, _ local: [Definition],
                                  localOrigin: String, name: (Definition) -> String)
        -> (definitions: [Definition], redefined: [(name: String, origins: [String])]) {
        var definitions: [Definition] = []
        var origins: [String: [String]] = [:]
        var order: [String] = []
        func add(_ definition: Definition, from origin: String) {
            let key = name(definition)
            if origins[key] == nil { order.append(key) }
            origins[key, default: []].append(origin)
            definitions.append(definition)
        }
        for imported in imports {
            for definition in exported(imported.value) ?? [] { add(definition, from: "import '\(imported.value)'") }
        }
        for definition in local { add(definition, from: localOrigin) }
        let redefined = order.compactMap { key in origins[key].flatMap { $0.count > 1 ? (key, $0) : nil } }
        return (definitions, redefined)
    }

    /// The names on a dependency cycle through `start`, if there is one.
    static func cycle(from start: String, _ dependencies: [String: [String]]) -> [String]? {
        var path: [String] = []
        var visited: Set<String> = []
        func visit(_ name: String) -> [String]? {
            if name == start && !path.isEmpty { return path }
            guard !visited.contains(name) else { return nil }
            visited.insert(name)
            path.append(name)
            for next in dependencies[name] ?? [] {
                if let found = visit(next) { return found }
            }
            path.removeLast()
            return nil
        }
        return visit(start)
    }
}
