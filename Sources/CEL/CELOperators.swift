/// The operators whose semantics are not plain strict functions.
enum CELOperators {
    /// `&&`: any false wins (absorbing errors); then unknowns; then errors; non-bools are errors.
    static func and(_ x: CELValue, _ y: CELValue) -> CELValue {
        if case .bool(false) = x { return x }
        if case .bool(false) = y { return y }
        if case .bool(true) = x, case .bool(true) = y { return .bool(true) }
        return combine(x, y, function: "_&&_")
    }

    /// `||`: any true wins; then unknowns; then errors.
    static func or(_ x: CELValue, _ y: CELValue) -> CELValue {
        if case .bool(true) = x { return x }
        if case .bool(true) = y { return y }
        if case .bool(false) = x, case .bool(false) = y { return .bool(false) }
        return combine(x, y, function: "_||_")
    }

    /// Neither operand decided: unknowns (merged) beat errors, errors beat non-bools.
    private static func combine(_ x: CELValue, _ y: CELValue, function: String) -> CELValue {
        switch (x, y) {
        case (.unknown(let a), .unknown(let b)): return .unknown(a.merged(b))
        case (.unknown, _): return x
        case (_, .unknown): return y
        case (.error, _): return x
        case (_, .error): return y
        case (.bool, _): return CELValue.noOverload(function, y)
        default: return CELValue.noOverload(function, x)
        }
    }

    /// `e.f`: a map's entry (missing → error), else an error.
    static func select(_ value: CELValue, _ field: String) -> CELValue {
        switch value {
        case .map(let map):
            if let found = map[string: field] { return found }
            return .error("no such key: \(field)")
        case .error, .unknown:
            return value
        default:
            return .error("type '\(value.type.name)' does not support field selection")
        }
    }

    /// `has(e.f)`.
    static func presence(_ value: CELValue, _ field: String) -> CELValue {
        switch value {
        case .map(let map): return .bool(map[string: field] != nil)
        case .error, .unknown: return value
        default: return .error("type '\(value.type.name)' does not support field selection")
        }
    }

    /// `x in list` (heterogeneous equality) and `k in map` (key presence).
    static func contains(element: CELValue, in container: CELValue) -> CELValue {
        switch container {
        case .list(let items):
            for item in items where CELValue.equal(element, item) == true { return .bool(true) }
            return .bool(false)
        case .map(let map):
            return .bool(map.lookup(element) != nil)
        default:
            return CELValue.noOverload("@in", element, container)
        }
    }

    /// `list[i]` and `map[k]`.
    static func index(_ container: CELValue, _ key: CELValue) -> CELValue {
        switch container {
        case .list(let items):
            let position: Int64
            switch key {
            case .int(let i): position = i
            case .uint(let u): position = u > UInt64(Int64.max) ? -1 : Int64(u)
            case .double(let d):
                guard d.rounded(.towardZero) == d, d.isFinite, abs(d) < 9e18 else { return .error("invalid list index: \(d)") }
                position = Int64(d)
            default: return CELValue.noOverload("_[_]", container, key)
            }
            guard position >= 0, position < Int64(items.count) else { return .error("index out of bounds: \(position)") }
            return items[Int(position)]
        case .map(let map):
            switch key {
            case .int, .uint, .double, .bool, .string:
                if let found = map.lookup(key) { return found }
                return .error("no such key: \(CELFormatting.display(key))")
            default:
                return .error("no such key: \(CELFormatting.display(key))")
            }
        case .opaque(let collection as any CELOpaqueCollection):
            guard case .int(let position) = key else { return CELValue.noOverload("_[_]", container, key) }
            guard position >= 0, position < Int64(collection.count), let element = collection.element(at: Int(position)) else {
                return .error("index out of range: \(position)")
            }
            return element
        default:
            return CELValue.noOverload("_[_]", container, key)
        }
    }
}
