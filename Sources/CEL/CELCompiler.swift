/// Turns a parsed expression into a tree of closures, resolving every identifier to a slot and every
/// call to an implementation once, so evaluation does no lookups by name.
struct CELCompiler {
    let environment: CELEnvironment
    let namespaces: [String: CELLazyBindings]
    /// Comprehension and `cel.bind` variables in scope: name → local slot.
    var scopes: [[String: Int]] = []
    var nextLocal = 0
    var maxLocals = 0
    /// Declared variables the expression reads.
    var usedSlots: Set<Int> = []

    init(environment: CELEnvironment, namespaces: [String: CELLazyBindings]) {
        self.environment = environment
        self.namespaces = namespaces
    }

    mutating func compile(_ expr: CELExpr) throws(CELCompileError) -> CELEval {
        let body = try node(expr)
        let locals = maxLocals
        guard locals > 0 else { return body }
        return { activation in
            if activation.locals.count < locals {
                activation.locals.append(contentsOf: repeatElement(CELValue.null, count: locals - activation.locals.count))
            }
            return body(activation)
        }
    }

    func local(_ name: String) -> Int? {
        for scope in scopes.reversed() { if let slot = scope[name] { return slot } }
        return nil
    }

    mutating func withLocals<T>(_ names: [String], _ body: (inout CELCompiler, [Int]) throws(CELCompileError) -> T) throws(CELCompileError) -> T {
        var scope: [String: Int] = [:]
        var slots: [Int] = []
        for name in names {
            scope[name] = nextLocal
            slots.append(nextLocal)
            nextLocal += 1
        }
        maxLocals = max(maxLocals, nextLocal)
        scopes.append(scope)
        defer {
            scopes.removeLast()
            nextLocal -= names.count
        }
        return try body(&self, slots)
    }

    mutating func node(_ expr: CELExpr) throws(CELCompileError) -> CELEval {
        switch expr {
        case .literal(let value, _):
            return { _ in value }
        case .ident(let name, let at):
            return try identifier(name, at: at)
        case .select(let operand, let field, let at):
            if case .ident(let name, _) = operand, local(name) == nil, let bindings = namespaces[name] {
                guard let slot = bindings.index[field] else { throw CELCompileError("undefined \(bindings.kind) '\(field)'", offset: at) }
                return { activation in bindings.value(slot, activation) }
            }
            if let path = dottedPath(operand), let slot = environment.slot("\(path).\(field)") {
                usedSlots.insert(slot)
                return { activation in activation.global(slot) }
            }
            let base = try node(operand)
            return { activation in CELOperators.select(base(activation), field) }
        case .presence(let operand, let field, let at):
            if case .ident(let name, _) = operand, local(name) == nil, let bindings = namespaces[name] {
                let defined = bindings.index[field] != nil
                _ = at
                return { _ in .bool(defined) }
            }
            let base = try node(operand)
            return { activation in CELOperators.presence(base(activation), field) }
        case .list(let items, _):
            let elements = try items.map { (item) throws(CELCompileError) -> CELEval in try node(item) }
            return { activation in
                var values: [CELValue] = []
                values.reserveCapacity(elements.count)
                for element in elements {
                    let value = element(activation)
                    if value.isErrorOrUnknown { return value }
                    values.append(value)
                }
                return .list(values)
            }
        case .map(let entries, _):
            let compiled = try entries.map { (entry) throws(CELCompileError) -> (CELEval, CELEval) in (try node(entry.key), try node(entry.value)) }
            return { activation in
                var map = CELMap()
                for (keyEval, valueEval) in compiled {
                    let key = keyEval(activation)
                    if key.isErrorOrUnknown { return key }
                    let value = valueEval(activation)
                    if value.isErrorOrUnknown { return value }
                    guard let mapKey = CELMapKey(key) else { return .error("unsupported key type: \(key.type.name)") }
                    if map[mapKey] != nil { return .error("repeated key: \(mapKey)") }
                    map[mapKey] = value
                }
                return .map(map)
            }
        case .bind(let name, let value, let body, _):
            let valueEval = try node(value)
            return try withLocals([name]) { (compiler, slots) throws(CELCompileError) -> CELEval in
                let bodyEval = try compiler.node(body)
                let slot = slots[0]
                return { activation in
                    activation.locals[slot] = valueEval(activation)
                    return bodyEval(activation)
                }
            }
        case .comprehension(let comprehension, _):
            return try CELComprehensions.compile(comprehension, compiler: &self)
        case .call(let function, let target, let args, let at):
            return try call(function, target: target, args: args, at: at)
        }
    }

    /// `a.b.c` for a chain of selections rooted at a declared (not comprehension-bound) identifier.
    func dottedPath(_ expr: CELExpr) -> String? {
        switch expr {
        case .ident(let name, _): return local(name) == nil ? name : nil
        case .select(let operand, let field, _): return dottedPath(operand).map { "\($0).\(field)" }
        default: return nil
        }
    }

    mutating func identifier(_ name: String, at: Int) throws(CELCompileError) -> CELEval {
        if let slot = local(name) { return { activation in activation.locals[slot] } }
        if let slot = environment.slot(name) {
            usedSlots.insert(slot)
            return { activation in activation.global(slot) }
        }
        if let type = CELType.builtins[name] { return { _ in .type(type) } }
        if namespaces[name] != nil { throw CELCompileError("'\(name)' can only be used to select a variable (\(name).name)", offset: at) }
        throw CELCompileError("undeclared reference to '\(name)'", offset: at)
    }

    mutating func call(_ name: String, target: CELExpr?, args: [CELExpr], at: Int) throws(CELCompileError) -> CELEval {
        // Operators and logic with special evaluation rules.
        switch (name, target, args.count) {
        case ("_&&_", nil, 2):
            let (l, r) = (try node(args[0]), try node(args[1]))
            return { a in
                let left = l(a)
                if case .bool(false) = left { return left }
                return CELOperators.and(left, r(a))
            }
        case ("_||_", nil, 2):
            let (l, r) = (try node(args[0]), try node(args[1]))
            return { a in
                let left = l(a)
                if case .bool(true) = left { return left }
                return CELOperators.or(left, r(a))
            }
        case ("_?_:_", nil, 3):
            let (c, t, f) = (try node(args[0]), try node(args[1]), try node(args[2]))
            return { a in
                switch c(a) {
                case .bool(true): return t(a)
                case .bool(false): return f(a)
                case let other where other.isErrorOrUnknown: return other
                case let other: return CELValue.noOverload("_?_:_", other)
                }
            }
        case ("!_", nil, 1):
            let operand = try node(args[0])
            return { a in
                switch operand(a) {
                case .bool(let b): return .bool(!b)
                case let other where other.isErrorOrUnknown: return other
                case let other: return CELValue.noOverload("!_", other)
                }
            }
        case ("_==_", nil, 2), ("_!=_", nil, 2):
            let (l, r) = (try node(args[0]), try node(args[1]))
            let negate = name == "_!=_"
            return { a in
                let x = l(a)
                if x.isErrorOrUnknown { return x }
                let y = r(a)
                if y.isErrorOrUnknown { return y }
                guard let same = CELValue.equal(x, y) else { return CELValue.noOverload(name, x, y) }
                return .bool(same != negate)
            }
        case ("_<_", nil, 2), ("_<=_", nil, 2), ("_>_", nil, 2), ("_>=_", nil, 2):
            let (l, r) = (try node(args[0]), try node(args[1]))
            let test: @Sendable (Int) -> Bool
            switch name {
            case "_<_": test = { $0 < 0 }
            case "_<=_": test = { $0 <= 0 }
            case "_>_": test = { $0 > 0 }
            default: test = { $0 >= 0 }
            }
            return { a in
                let x = l(a)
                if x.isErrorOrUnknown { return x }
                let y = r(a)
                if y.isErrorOrUnknown { return y }
                switch CELValue.order(x, y, function: name) {
                case .success(let c): return .bool(test(c))
                case .failure(let e): return .error(e)
                }
            }
        case ("@in", nil, 2):
            let (l, r) = (try node(args[0]), try node(args[1]))
            return { a in
                let x = l(a)
                if x.isErrorOrUnknown { return x }
                let y = r(a)
                if y.isErrorOrUnknown { return y }
                return CELOperators.contains(element: x, in: y)
            }
        case ("_[_]", nil, 2):
            let (l, r) = (try node(args[0]), try node(args[1]))
            return { a in
                let x = l(a)
                if x.isErrorOrUnknown { return x }
                let y = r(a)
                if y.isErrorOrUnknown { return y }
                return CELOperators.index(x, y)
            }
        case ("matches", _, _) where CELRegex.literalPattern(target: target, args: args) != nil:
            // A literal pattern compiles once, here; a bad one is a compile error.
            let pattern = CELRegex.literalPattern(target: target, args: args)!
            let regex: CELRegex
            do { regex = try CELRegex(pattern) } catch { throw CELCompileError("invalid regular expression '\(pattern)': \(error)", offset: at) }
            let subject = try node(target ?? args[0])
            return { a in
                switch subject(a) {
                case .string(let s): return .bool(regex.matches(s))
                case let other where other.isErrorOrUnknown: return other
                case let other: return CELValue.noOverload("matches", other)
                }
            }
        default:
            break
        }
        let style: CELFunction.Style = target == nil ? .global : .member
        let argc = args.count + (target == nil ? 0 : 1)
        guard let candidates = environment.functions[name] else {
            throw CELCompileError("undeclared reference to '\(name)'", offset: at)
        }
        guard let function = candidates.first(where: { ($0.style == style || $0.style == .both) && $0.arities.contains(argc) }) else {
            let styleText = target == nil ? "" : "receiver "
            throw CELCompileError("found no matching overload for \(styleText)'\(name)' applied to \(argc) argument\(argc == 1 ? "" : "s")", offset: at)
        }
        var operands: [CELEval] = []
        if let target { operands.append(try node(target)) }
        for arg in args { operands.append(try node(arg)) }
        return CELCompiler.invoke(function, operands)
    }

    static func invoke(_ function: CELFunction, _ operands: [CELEval]) -> CELEval {
        let strict = function.strict
        switch function.implementation {
        case .unary(let body):
            let a0 = operands[0]
            return { a in
                let x = a0(a)
                if strict, x.isErrorOrUnknown { return x }
                return body(x)
            }
        case .binary(let body):
            let (a0, a1) = (operands[0], operands[1])
            return { a in
                let x = a0(a)
                if strict, x.isErrorOrUnknown { return x }
                let y = a1(a)
                if strict, y.isErrorOrUnknown { return y }
                return body(x, y)
            }
        case .ternary(let body):
            let (a0, a1, a2) = (operands[0], operands[1], operands[2])
            return { a in
                let x = a0(a)
                if strict, x.isErrorOrUnknown { return x }
                let y = a1(a)
                if strict, y.isErrorOrUnknown { return y }
                let z = a2(a)
                if strict, z.isErrorOrUnknown { return z }
                return body(x, y, z)
            }
        case .variadic(let body):
            return { a in
                var values: [CELValue] = []
                values.reserveCapacity(operands.count)
                for operand in operands {
                    let v = operand(a)
                    if strict, v.isErrorOrUnknown { return v }
                    values.append(v)
                }
                return body(values)
            }
        case .contextual(let body):
            return { a in
                var values: [CELValue] = []
                for operand in operands {
                    let v = operand(a)
                    if strict, v.isErrorOrUnknown { return v }
                    values.append(v)
                }
                return body(values, a)
            }
        }
    }
}
