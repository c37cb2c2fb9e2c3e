/// Declares what expressions may use — variables (by slot), lazily bound namespaces, functions — and
/// compiles expressions against it, rejecting undeclared references and unknown functions up front.
public final class CELEnvironment: Sendable {
    public let variables: [String]
    let slots: [String: Int]
    let functions: [String: [CELFunction]]

    /// `variables` are the names an activation provides, in slot order; `functions` extend the
    /// standard library (later definitions of a name are tried after earlier ones).
    ///
    /// A variable name may be a dotted path (`R.attr`): a selection of exactly that path reads the slot
    /// directly instead of selecting through the enclosing value. `aliases` give more names to a slot
    /// (`P` for `request.principal`).
    public init(variables: [String], aliases: [String: String] = [:], functions: [CELFunction] = []) {
        self.variables = variables
        var slots: [String: Int] = [:]
        for (i, name) in variables.enumerated() { slots[name] = i }
        for (alias, target) in aliases {
            if let slot = slots[target] { slots[alias] = slot }
        }
        self.slots = slots
        var table: [String: [CELFunction]] = [:]
        for function in CELStandardLibrary.functions + functions { table[function.name, default: []].append(function) }
        self.functions = table
    }

    /// The slot of a declared variable.
    public func slot(_ name: String) -> Int? { slots[name] }

    /// Parses and compiles `source`. `namespaces` maps identifiers to lazy bindings (`V` → variables).
    public func compile(_ source: String, namespaces: [String: CELLazyBindings] = [:]) throws(CELCompileError) -> CELProgram {
        let expr: CELExpr
        do { expr = try CELParser.parse(source) } catch { throw CELCompileError(error) }
        var compiler = CELCompiler(environment: self, namespaces: namespaces)
        let eval = try compiler.compile(expr)
        return CELProgram(eval: eval, source: source, usedSlots: compiler.usedSlots)
    }

    /// Every identifier (and `ns.field` of a lazy namespace) an expression refers to, for dependency analysis.
    public static func references(in source: String) throws(CELCompileError) -> [String] {
        let expr: CELExpr
        do { expr = try CELParser.parse(source) } catch { throw CELCompileError(error) }
        var found: [String] = []
        collect(expr, bound: [], into: &found)
        return found
    }

    private static func collect(_ expr: CELExpr, bound: Set<String>, into found: inout [String]) {
        switch expr {
        case .literal: break
        case .ident(let name, _): if !bound.contains(name) { found.append(name) }
        case .select(let operand, let field, _), .presence(let operand, let field, _):
            if case .ident(let name, _) = operand, !bound.contains(name) { found.append("\(name).\(field)") }
            collect(operand, bound: bound, into: &found)
        case .call(_, let target, let args, _):
            if let target { collect(target, bound: bound, into: &found) }
            for arg in args { collect(arg, bound: bound, into: &found) }
        case .list(let items, _): for item in items { collect(item, bound: bound, into: &found) }
        case .map(let entries, _):
            for entry in entries { collect(entry.key, bound: bound, into: &found); collect(entry.value, bound: bound, into: &found) }
        case .comprehension(let c, _):
            collect(c.range, bound: bound, into: &found)
            var inner = bound
            inner.insert(c.variable)
            if let second = c.secondVariable { inner.insert(second) }
            if let p = c.predicate { collect(p, bound: inner, into: &found) }
            if let t = c.transform { collect(t, bound: inner, into: &found) }
        case .bind(let name, let value, let body, _):
            collect(value, bound: bound, into: &found)
            var inner = bound
            inner.insert(name)
            collect(body, bound: inner, into: &found)
        }
    }
}
