import Foundation

/// The extension libraries Cerbos enables besides strings: math, lists, sets and base64.
public enum CELExtensions {
    public static var all: [CELFunction] { CELStrings.functions + math + lists + sets + encoders }

    static func numeric(_ v: CELValue) -> Bool {
        switch v { case .int, .uint, .double: return true; default: return false }
    }

    public static var math: [CELFunction] {
        func extreme(_ name: String, _ wantGreater: Bool) -> CELFunction {
            .variadic(name, .global, Set(1...64)) { args in
                var candidates = args
                if args.count == 1, case .list(let items) = args[0] {
                    guard !items.isEmpty else { return .error("\(name)(): list is empty") }
                    candidates = items
                }
                var best: CELValue?
                for value in candidates {
                    guard numeric(value) else { return CELValue.noOverload(name, value) }
                    guard let current = best else { best = value; continue }
                    guard let order = CELValue.compareNumbers(value, current) else { continue }
                    if (wantGreater && order > 0) || (!wantGreater && order < 0) { best = value }
                }
                return best ?? .error("\(name)(): no values")
            }
        }
        func doubleOnly(_ name: String, _ body: @escaping @Sendable (Double) -> Double) -> CELFunction {
            .unary(name, .global) { v in
                guard case .double(let d) = v else { return CELValue.noOverload(name, v) }
                return .double(body(d))
            }
        }
        func bitwise(_ name: String, _ ints: @escaping @Sendable (Int64, Int64) -> Int64, _ uints: @escaping @Sendable (UInt64, UInt64) -> UInt64) -> CELFunction {
            .binary(name, .global) { x, y in
                switch (x, y) {
                case (.int(let a), .int(let b)): return .int(ints(a, b))
                case (.uint(let a), .uint(let b)): return .uint(uints(a, b))
                default: return CELValue.noOverload(name, x, y)
                }
            }
        }
        return [
            extreme("math.greatest", true),
            extreme("math.least", false),
            doubleOnly("math.ceil") { $0.rounded(.up) },
            doubleOnly("math.floor") { $0.rounded(.down) },
            doubleOnly("math.trunc") { $0.rounded(.towardZero) },
            doubleOnly("math.round") { $0.rounded(.toNearestOrAwayFromZero) },
            .unary("math.abs", .global) { v in
                switch v {
                case .int(let i): return i == Int64.min ? .error("integer overflow") : .int(abs(i))
                case .uint: return v
                case .double(let d): return .double(abs(d))
                default: return CELValue.noOverload("math.abs", v)
                }
            },
            .unary("math.sign", .global) { v in
                switch v {
                case .int(let i): return .int(i.signum())
                case .uint(let u): return .uint(u == 0 ? 0 : 1)
                case .double(let d): return .double(d.isNaN ? .nan : (d > 0 ? 1 : (d < 0 ? -1 : 0)))
                default: return CELValue.noOverload("math.sign", v)
                }
            },
            .unary("math.isNaN", .global) { v in if case .double(let d) = v { .bool(d.isNaN) } else { CELValue.noOverload("math.isNaN", v) } },
            .unary("math.isInf", .global) { v in if case .double(let d) = v { .bool(d.isInfinite) } else { CELValue.noOverload("math.isInf", v) } },
            .unary("math.isFinite", .global) { v in if case .double(let d) = v { .bool(d.isFinite) } else { CELValue.noOverload("math.isFinite", v) } },
            .unary("math.sqrt", .global) { v in
                switch v {
                case .int(let i): return .double(Double(i).squareRoot())
                case .uint(let u): return .double(Double(u).squareRoot())
                case .double(let d): return .double(d.squareRoot())
                default: return CELValue.noOverload("math.sqrt", v)
                }
            },
            bitwise("math.bitAnd", &, &),
            bitwise("math.bitOr", |, |),
            bitwise("math.bitXor", ^, ^),
            .unary("math.bitNot", .global) { v in
                switch v {
                case .int(let i): return .int(~i)
                case .uint(let u): return .uint(~u)
                default: return CELValue.noOverload("math.bitNot", v)
                }
            },
            .binary("math.bitShiftLeft", .global) { x, n in
                guard case .int(let shift) = n else { return CELValue.noOverload("math.bitShiftLeft", x, n) }
                guard shift >= 0 else { return .error("math.bitShiftLeft() negative offset: \(shift)") }
                switch x {
                case .int(let i): return .int(shift >= 64 ? 0 : i << shift)
                case .uint(let u): return .uint(shift >= 64 ? 0 : u << shift)
                default: return CELValue.noOverload("math.bitShiftLeft", x, n)
                }
            },
            .binary("math.bitShiftRight", .global) { x, n in
                guard case .int(let shift) = n else { return CELValue.noOverload("math.bitShiftRight", x, n) }
                guard shift >= 0 else { return .error("math.bitShiftRight() negative offset: \(shift)") }
                switch x {
                case .int(let i): return .int(shift >= 64 ? 0 : Int64(bitPattern: UInt64(bitPattern: i) >> UInt64(shift)))
                case .uint(let u): return .uint(shift >= 64 ? 0 : u >> UInt64(shift))
                default: return CELValue.noOverload("math.bitShiftRight", x, n)
                }
            },
        ]
    }

    public static var lists: [CELFunction] {
        [
            .ternary("slice", .member) { list, s, e in
                guard case .list(let items) = list, case .int(let start) = s, case .int(let end) = e else { return CELValue.noOverload("slice", list, s, e) }
                guard start >= 0, end >= 0 else { return .error("cannot slice(\(start), \(end)), negative indexes not supported") }
                guard start <= end else { return .error("cannot slice(\(start), \(end)), start index must be less than or equal to end index") }
                guard end <= Int64(items.count) else { return .error("cannot slice(\(start), \(end)), list is length \(items.count)") }
                return .list(Array(items[Int(start)..<Int(end)]))
            },
            .variadic("flatten", .member, [1, 2]) { args in
                guard case .list(let items) = args[0] else { return CELValue.noOverload("flatten", args[0]) }
                var depth: Int64 = 1
                if args.count == 2 {
                    guard case .int(let d) = args[1] else { return CELValue.noOverload("flatten", args[1]) }
                    guard d >= 0 else { return .error("level must be non-negative") }
                    depth = d
                }
                func flatten(_ items: [CELValue], _ depth: Int64) -> [CELValue] {
                    guard depth > 0 else { return items }
                    return items.flatMap { item -> [CELValue] in
                        if case .list(let inner) = item { return flatten(inner, depth - 1) }
                        return [item]
                    }
                }
                return .list(flatten(items, depth))
            },
            .unary("sort", .member) { list in
                guard case .list(let items) = list else { return CELValue.noOverload("sort", list) }
                guard let first = items.first else { return list }
                let type = first.type
                guard items.allSatisfy({ $0.type == type }), [.int, .uint, .double, .bool, .string, .bytes, .timestamp, .duration].contains(type) else {
                    return .error("list elements must have the same type and be comparable")
                }
                var failed = false
                let sorted = items.sorted { a, b in
                    guard case .success(let c) = CELValue.order(a, b, function: "sort") else { failed = true; return false }
                    return c < 0
                }
                return failed ? .error("list elements must be comparable") : .list(sorted)
            },
            .unary("distinct", .member) { list in
                guard case .list(let items) = list else { return CELValue.noOverload("distinct", list) }
                var out: [CELValue] = []
                for item in items where !out.contains(where: { CELValue.equal($0, item) == true }) { out.append(item) }
                return .list(out)
            },
            .unary("lists.range", .global) { n in
                guard case .int(let count) = n else { return CELValue.noOverload("lists.range", n) }
                return .list(count <= 0 ? [] : (0..<count).map { .int($0) })
            },
        ]
    }

    public static var sets: [CELFunction] {
        @Sendable func contains(_ a: [CELValue], _ b: [CELValue]) -> Bool {
            b.allSatisfy { x in a.contains { CELValue.equal($0, x) == true } }
        }
        return [
            .binary("sets.contains", .global) { x, y in
                guard case .list(let a) = x, case .list(let b) = y else { return CELValue.noOverload("sets.contains", x, y) }
                return .bool(contains(a, b))
            },
            .binary("sets.equivalent", .global) { x, y in
                guard case .list(let a) = x, case .list(let b) = y else { return CELValue.noOverload("sets.equivalent", x, y) }
                return .bool(contains(a, b) && contains(b, a))
            },
            .binary("sets.intersects", .global) { x, y in
                guard case .list(let a) = x, case .list(let b) = y else { return CELValue.noOverload("sets.intersects", x, y) }
                return .bool(a.contains { item in b.contains { CELValue.equal($0, item) == true } })
            },
        ]
    }

    public static var encoders: [CELFunction] {
        [
            .unary("base64.encode", .global) { v in
                guard case .bytes(let b) = v else { return CELValue.noOverload("base64.encode", v) }
                return .string(Data(b).base64EncodedString())
            },
            .unary("base64.decode", .global) { v in
                guard case .string(let s) = v else { return CELValue.noOverload("base64.decode", v) }
                if let data = Data(base64Encoded: s) { return .bytes(Array(data)) }
                var padded = s
                while padded.count % 4 != 0 { padded += "=" }
                if !s.contains("="), let data = Data(base64Encoded: padded) { return .bytes(Array(data)) }
                return .error("illegal base64 data")
            },
        ]
    }
}
