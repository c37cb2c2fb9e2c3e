/// The macros that loop: `all`, `exists`, `exists_one`, `map`, `filter` (one or two variables) and
/// `transformList`, `transformMap`, `transformMapEntry`.
enum CELComprehensions {
    static func compile(_ c: CELComprehension, compiler: inout CELCompiler) throws(CELCompileError) -> CELEval {
        let range = try compiler.node(c.range)
        let names = [c.variable] + (c.secondVariable.map { [$0] } ?? [])
        return try compiler.withLocals(names) { (compiler, slots) throws(CELCompileError) -> CELEval in
            let predicate = try c.predicate.map { (p) throws(CELCompileError) -> CELEval in try compiler.node(p) }
            let transform = try c.transform.map { (t) throws(CELCompileError) -> CELEval in try compiler.node(t) }
            let first = slots[0]
            let second = slots.count > 1 ? slots[1] : nil
            let kind = c.kind
            return { activation in
                let source = range(activation)
                if source.isErrorOrUnknown { return source }
                // Each iteration binds (first) or (first, second).
                var pairs: [(CELValue, CELValue?)] = []
                switch source {
                case .list(let items):
                    if second != nil {
                        pairs = items.enumerated().map { (.int(Int64($0.offset)), $0.element) }
                    } else {
                        pairs = items.map { ($0, nil) }
                    }
                case .map(let map):
                    pairs = map.entries.map { ($0.key.value, second != nil ? $0.value : nil) }
                default:
                    return .error("expression of type '\(source.type.name)' cannot be the range of a comprehension")
                }
                func bind(_ pair: (CELValue, CELValue?)) {
                    activation.locals[first] = pair.0
                    if let second, let value = pair.1 { activation.locals[second] = value }
                }
                switch kind {
                case .all, .exists:
                    let decisive = kind == .exists
                    var pending: CELValue?
                    for pair in pairs {
                        bind(pair)
                        let v = predicate!(activation)
                        switch v {
                        case .bool(let b):
                            if b == decisive { return .bool(decisive) }
                        case .unknown(let u):
                            if case .unknown(let other) = pending { pending = .unknown(other.merged(u)) } else { pending = v }
                        case .error:
                            if pending == nil { pending = v }
                        default:
                            if pending == nil { pending = CELValue.noOverload(decisive ? "_||_" : "_&&_", v) }
                        }
                    }
                    return pending ?? .bool(!decisive)
                case .existsOne:
                    var count = 0
                    for pair in pairs {
                        bind(pair)
                        switch predicate!(activation) {
                        case .bool(let b): if b { count += 1 }
                        case let other where other.isErrorOrUnknown: return other
                        case let other: return CELValue.noOverload("exists_one", other)
                        }
                    }
                    return .bool(count == 1)
                case .map, .filter, .transformList:
                    var out: [CELValue] = []
                    for pair in pairs {
                        bind(pair)
                        if let predicate {
                            switch predicate(activation) {
                            case .bool(false): continue
                            case .bool(true): break
                            case let other where other.isErrorOrUnknown: return other
                            case let other: return CELValue.noOverload("filter", other)
                            }
                        }
                        let value = kind == .filter ? pair.0 : transform!(activation)
                        if value.isErrorOrUnknown { return value }
                        out.append(value)
                    }
                    return .list(out)
                case .transformMap, .transformMapEntry:
                    var out = CELMap()
                    for pair in pairs {
                        bind(pair)
                        if let predicate {
                            switch predicate(activation) {
                            case .bool(false): continue
                            case .bool(true): break
                            case let other where other.isErrorOrUnknown: return other
                            case let other: return CELValue.noOverload("transform", other)
                            }
                        }
                        let value = transform!(activation)
                        if value.isErrorOrUnknown { return value }
                        if kind == .transformMap {
                            guard let key = CELMapKey(pair.0) else { return .error("unsupported key type: \(pair.0.type.name)") }
                            out[key] = value
                        } else {
                            guard case .map(let entry) = value else { return .error("transformMapEntry must produce a map, got \(value.type.name)") }
                            for (key, v) in entry.entries {
                                if out[key] != nil { return .error("insert failed: key \(key) already exists") }
                                out[key] = v
                            }
                        }
                    }
                    return .map(out)
                }
            }
        }
    }
}
