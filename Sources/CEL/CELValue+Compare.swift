/// CEL equality (heterogeneous, never an error except for opaque types that refuse) and ordering.
extension CELValue {
    /// `==`: numbers compare on the number line across int, uint and double; lists and maps compare
    /// element-wise; values of different types are unequal. `nil` only when an opaque type refuses.
    public static func equal(_ a: CELValue, _ b: CELValue) -> Bool? {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)): return CELString.equal(x, y)
        case (.int(let x), .int(let y)): return x == y
        case (.uint(let x), .uint(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.int, .uint), (.int, .double), (.uint, .int), (.uint, .double), (.double, .int), (.double, .uint):
            return compareNumbers(a, b) == 0
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.list(let x), .list(let y)):
            guard x.count == y.count else { return false }
            for (p, q) in zip(x, y) {
                guard let same = equal(p, q) else { return nil }
                if !same { return false }
            }
            return true
        case (.map(let x), .map(let y)):
            guard x.count == y.count else { return false }
            for key in x.keys {
                guard let other = y[key], let mine = x[key] else { return false }
                guard let same = equal(mine, other) else { return nil }
                if !same { return false }
            }
            return true
        case (.timestamp(let x), .timestamp(let y)): return x == y
        case (.duration(let x), .duration(let y)): return x == y
        case (.type(let x), .type(let y)): return x == y
        case (.opaque(let x), _): return x.equals(b)
        case (_, .opaque(let y)): return y.equals(a)
        default: return false
        }
    }

    /// Compares two numbers exactly on the number line; `nil` when either is NaN or not a number.
    static func compareNumbers(_ a: CELValue, _ b: CELValue) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.uint(let x), .uint(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.double(let x), .double(let y)):
            if x.isNaN || y.isNaN { return nil }
            return x < y ? -1 : (x > y ? 1 : 0)
        case (.int(let x), .uint(let y)): return x < 0 ? -1 : compareUnsigned(UInt64(x), y)
        case (.uint(let x), .int(let y)): return y < 0 ? 1 : compareUnsigned(x, UInt64(y))
        case (.int(let x), .double(let y)): return compareIntDouble(x, y)
        case (.double(let x), .int(let y)): return compareIntDouble(y, x).map { -$0 }
        case (.uint(let x), .double(let y)): return compareUIntDouble(x, y)
        case (.double(let x), .uint(let y)): return compareUIntDouble(y, x).map { -$0 }
        default: return nil
        }
    }

    private static func compareUnsigned(_ x: UInt64, _ y: UInt64) -> Int { x < y ? -1 : (x > y ? 1 : 0) }

    private static func compareIntDouble(_ x: Int64, _ y: Double) -> Int? {
        if y.isNaN { return nil }
        if y < -9.223372036854775808e18 { return 1 }
        if y >= 9.223372036854775808e18 { return -1 }
        let truncated = y.rounded(.towardZero)
        let whole = Int64(truncated)
        if x != whole { return x < whole ? -1 : 1 }
        let fraction = y - truncated
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0)
    }

    private static func compareUIntDouble(_ x: UInt64, _ y: Double) -> Int? {
        if y.isNaN { return nil }
        if y < 0 { return 1 }
        if y >= 1.8446744073709551616e19 { return -1 }
        let truncated = y.rounded(.towardZero)
        let whole = UInt64(truncated)
        if x != whole { return x < whole ? -1 : 1 }
        return y > truncated ? -1 : 0
    }

    /// `<` and friends: numbers (across types), strings, bytes, bools, timestamps, durations.
    static func order(_ a: CELValue, _ b: CELValue, function: String) -> Result<Int, CELError> {
        switch (a, b) {
        case (.int, _), (.uint, _), (.double, _):
            switch b {
            case .int, .uint, .double:
                guard let result = compareNumbers(a, b) else { return .failure(CELError("NaN values cannot be ordered")) }
                return .success(result)
            default: break
            }
        case (.string(let x), .string(let y)): return .success(CELString.compare(x, y))
        case (.bytes(let x), .bytes(let y)):
            for (p, q) in zip(x, y) where p != q { return .success(p < q ? -1 : 1) }
            return .success(x.count < y.count ? -1 : (x.count > y.count ? 1 : 0))
        case (.bool(let x), .bool(let y)): return .success(x == y ? 0 : (x ? 1 : -1))
        case (.timestamp(let x), .timestamp(let y)): return .success(x == y ? 0 : (x < y ? -1 : 1))
        case (.duration(let x), .duration(let y)): return .success(x == y ? 0 : (x < y ? -1 : 1))
        default: break
        }
        return .failure(CELError("no such overload: \(function)(\(a.type.name), \(b.type.name))"))
    }
}

extension CELValue: Equatable {
    /// Structural equality for Swift code and tests (`CELValue.equal` is the language's `==`).
    public static func == (a: CELValue, b: CELValue) -> Bool {
        switch (a, b) {
        case (.error(let x), .error(let y)): return x == y
        case (.unknown(let x), .unknown(let y)): return x == y
        case (.int, .int), (.uint, .uint), (.double, .double), (.null, .null), (.bool, .bool), (.string, .string), (.bytes, .bytes),
             (.list, .list), (.map, .map), (.timestamp, .timestamp), (.duration, .duration), (.type, .type), (.opaque, .opaque):
            if case .double(let x) = a, case .double(let y) = b, x.isNaN, y.isNaN { return true }
            return equal(a, b) ?? false
        default: return false
        }
    }
}
