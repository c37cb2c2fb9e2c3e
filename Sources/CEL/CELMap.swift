/// A CEL map: keys are ints, uints, bools or strings; numeric keys are equal across int and uint (and
/// integral doubles find them on lookup). Iteration follows insertion order.
public struct CELMap: Sendable {
    public private(set) var keys: [CELMapKey] = []
    private var storage: [CELMapKey: CELValue] = [:]

    public init() {}

    public init(_ pairs: [(CELMapKey, CELValue)]) {
        keys.reserveCapacity(pairs.count)
        storage.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// String-keyed maps, the common case (JSON objects, attributes).
    public init(strings: [String: CELValue]) {
        keys.reserveCapacity(strings.count)
        storage.reserveCapacity(strings.count)
        for (key, value) in strings { self[.string(key)] = value }
    }

    public var count: Int { keys.count }

    public subscript(key: CELMapKey) -> CELValue? {
        get { storage[key] }
        set {
            if storage.updateValue(newValue ?? .null, forKey: key) == nil { keys.append(key) }
            if newValue == nil {
                storage[key] = nil
                keys.removeAll { $0 == key }
            }
        }
    }

    @inlinable
    public subscript(string key: String) -> CELValue? { self[.string(key)] }

    /// Looks a CEL value up as a key (numeric keys normalised); `nil` when absent or not a key type.
    public func lookup(_ key: CELValue) -> CELValue? {
        guard let mapKey = CELMapKey(lookup: key) else { return nil }
        return storage[mapKey]
    }

    public var entries: [(key: CELMapKey, value: CELValue)] { keys.map { ($0, storage[$0]!) } }
}

/// A map key. Ints and uints that denote the same number are the same key.
public enum CELMapKey: Sendable, Hashable, CustomStringConvertible {
    case int(Int64)
    /// Only for values above `Int64.max`; smaller uints are stored as `.int`.
    case uint(UInt64)
    case bool(Bool)
    case string(String)

    /// The key a value denotes when used to build a map; `nil` for types that cannot be keys.
    public init?(_ value: CELValue) {
        switch value {
        case .int(let i): self = .int(i)
        case .uint(let u): self = u <= UInt64(Int64.max) ? .int(Int64(u)) : .uint(u)
        case .bool(let b): self = .bool(b)
        case .string(let s): self = .string(s)
        default: return nil
        }
    }

    /// The key a value finds when used for lookup: integral doubles find numeric keys.
    init?(lookup value: CELValue) {
        if case .double(let d) = value {
            guard d.rounded(.towardZero) == d, d.isFinite else { return nil }
            if d >= -9.223372036854775808e18 && d < 9.223372036854775808e18 { self = .int(Int64(d)); return }
            if d >= 0 && d < 1.8446744073709551616e19 { self = .uint(UInt64(d)); return }
            return nil
        }
        self.init(value)
    }

    public var value: CELValue {
        switch self {
        case .int(let i): return .int(i)
        case .uint(let u): return .uint(u)
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        }
    }

    public static func == (a: CELMapKey, b: CELMapKey) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.uint(let x), .uint(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)): return CELString.equal(x, y)
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .int(let i): hasher.combine(0); hasher.combine(i)
        case .uint(let u): hasher.combine(1); hasher.combine(u)
        case .bool(let b): hasher.combine(2); hasher.combine(b)
        // Canonical hashing is coarser than the code-point equality used above, which keeps Hashable's contract.
        case .string(let s): hasher.combine(3); hasher.combine(s)
        }
    }

    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .uint(let u): return "\(u)u"
        case .bool(let b): return String(b)
        case .string(let s): return s
        }
    }
}

/// CEL strings compare by code points, not by Swift's canonical equivalence.
public enum CELString {
    @inlinable
    public static func equal(_ a: String, _ b: String) -> Bool {
        // Compared as UTF-8 bytes (Swift's == would fall back to canonical equivalence), straight from
        // the strings' storage when they have it.
        let (x, y) = (a.utf8, b.utf8)
        guard x.count == y.count else { return false }
        if let same = x.withContiguousStorageIfAvailable({ p in y.withContiguousStorageIfAvailable { q in p.elementsEqual(q) } }), let same {
            return same
        }
        return x.elementsEqual(y)
    }

    /// Code-point order (the same as UTF-8 byte order).
    public static func compare(_ a: String, _ b: String) -> Int {
        var x = a.utf8.makeIterator(), y = b.utf8.makeIterator()
        while true {
            switch (x.next(), y.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let p?, let q?): if p != q { return p < q ? -1 : 1 }
            }
        }
    }
}
