import CEL

/// The variables and constants one policy's expressions see: local definitions merged with imported
/// `exportVariables` / `exportConstants`, compiled lazily (a variable is evaluated at most once per check,
/// and only when something reads it).
struct PolicyScope {
    let namespaces: [String: CELLazyBindings]

    static let empty = PolicyScope(namespaces: [
        "V": CELLazyBindings(names: []), "variables": CELLazyBindings(names: []),
        "C": CELLazyBindings(names: [], kind: "constant"), "constants": CELLazyBindings(names: [], kind: "constant"),
    ])
}

extension PolicyCompiler {
    /// Merges and compiles `variables` and `constants`, reporting redefinitions, cycles and bad expressions.
    func policyScope(variables: VariablesDefinition, constants: ConstantsDefinition, file: String) -> PolicyScope {
        // Constants: imported then local; a name defined twice is an error.
        var constantValues: [(String, CELValue)] = []
        var constantOrigins: [String: [String]] = [:]
        for name in constants.imports {
            guard let exported = exportedConstants[name.value] else { continue }   // reported as a missing import
            for definition in exported.definitions {
                constantOrigins[definition.name, default: []].append("import '\(name.value)'")
                constantValues.append((definition.name, definition.value))
            }
        }
        for definition in constants.local {
            constantOrigins[definition.name, default: []].append("policy local constants")
            constantValues.append((definition.name, definition.value))
        }
        for (name, origins) in constantOrigins where origins.count > 1 {
            let position = constants.local.first { $0.name == name }?.position ?? constants.imports.first?.position ?? .unknown
            problem(.compile, file, position, "constant redefined: constant '\(name)' has multiple definitions in \(origins.joined(separator: ", "))")
        }
        let constantBindings = CELLazyBindings(names: constantValues.map(\.0), kind: "constant")
        for (name, value) in constantValues { constantBindings.define(name, .constant(value, source: name)) }

        // Variables.
        var definitions: [(name: String, expression: Located<String>)] = []
        var variableOrigins: [String: [String]] = [:]
        for name in variables.imports {
            guard let exported = exportedVariables[name.value] else { continue }
            for definition in exported.definitions {
                variableOrigins[definition.name, default: []].append("import '\(name.value)'")
                definitions.append(definition)
            }
        }
        for definition in variables.local {
            variableOrigins[definition.name, default: []].append("policy local variables")
            definitions.append(definition)
        }
        for (name, origins) in variableOrigins where origins.count > 1 {
            let position = definitions.last { $0.name == name }?.expression.position ?? .unknown
            problem(.compile, file, position, "variable redefined: variable '\(name)' has multiple definitions in \(origins.joined(separator: ", "))")
        }
        var unique: [(name: String, expression: Located<String>)] = []
        for definition in definitions where !unique.contains(where: { $0.name == definition.name }) { unique.append(definition) }

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
            if let cycle = Self.cycle(from: definition.name, dependencies), !cyclic.contains(definition.name) {
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
