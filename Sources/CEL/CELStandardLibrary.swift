import Foundation

/// CEL's standard definitions: arithmetic, `size`, string tests, regular expressions, conversions, and
/// timestamp and duration accessors.
enum CELStandardLibrary {
    static var functions: [CELFunction] {
        arithmetic + [
            .unary("size", .both, size),
            .binary("contains", .member) { s, sub in
                guard case .string(let a) = s, case .string(let b) = sub else { return CELValue.noOverload("contains", s, sub) }
                return .bool(b.isEmpty || CELStrings.indexOf(Array(a.unicodeScalars), Array(b.unicodeScalars), from: 0) != nil)
            },
            .binary("startsWith", .member) { s, p in
                guard case .string(let a) = s, case .string(let b) = p else { return CELValue.noOverload("startsWith", s, p) }
                return .bool(a.unicodeScalars.starts(with: b.unicodeScalars))
            },
            .binary("endsWith", .member) { s, p in
                guard case .string(let a) = s, case .string(let b) = p else { return CELValue.noOverload("endsWith", s, p) }
                return .bool(Array(a.unicodeScalars).reversed().starts(with: Array(b.unicodeScalars).reversed()))
            },
            .binary("matches", .both) { s, p in
                guard case .string(let text) = s, case .string(let pattern) = p else { return CELValue.noOverload("matches", s, p) }
                do { return .bool(try CELRegex.cached(pattern).matches(text)) } catch { return .error("invalid regular expression: \(error)") }
            },
            .unary("int", .global, CELConversions.int),
            .unary("uint", .global, CELConversions.uint),
            .unary("double", .global, CELConversions.double),
            .unary("string", .global, CELFormatting.string),
            .unary("bytes", .global) { v in
                switch v {
                case .bytes: return v
                case .string(let s): return .bytes(Array(s.utf8))
                default: return CELValue.noOverload("bytes", v)
                }
            },
            .unary("bool", .global, CELConversions.bool),
            .unary("duration", .global) { v in
                switch v {
                case .duration: return v
                case .string(let s): return CELDuration.parse(s).map { .duration($0) } ?? .error("invalid duration '\(s)'")
                default: return CELValue.noOverload("duration", v)
                }
            },
            .unary("timestamp", .global) { v in
                switch v {
                case .timestamp: return v
                case .string(let s): return CELTimestamp.parse(s).map { .timestamp($0) } ?? .error("invalid timestamp '\(s)'")
                case .int(let i): return CELTimestamp(seconds: i).map { .timestamp($0) } ?? .error("timestamp out of range")
                default: return CELValue.noOverload("timestamp", v)
                }
            },
            .unary("dyn", .global) { $0 },
            .unary("type", .global) { .type($0.type) },
        ] + CELTimeAccessors.functions
    }

    static func size(_ value: CELValue) -> CELValue {
        switch value {
        case .string(let s): return .int(Int64(s.unicodeScalars.count))
        case .bytes(let b): return .int(Int64(b.count))
        case .list(let l): return .int(Int64(l.count))
        case .map(let m): return .int(Int64(m.count))
        case .opaque(let o as any CELOpaqueCollection): return .int(Int64(o.count))
        default: return CELValue.noOverload("size", value)
        }
    }

    static var arithmetic: [CELFunction] {
        [
            .binary("_+_", .global) { x, y in
                switch (x, y) {
                case (.int(let a), .int(let b)):
                    let (r, o) = a.addingReportingOverflow(b)
                    return o ? .error("integer overflow") : .int(r)
                case (.uint(let a), .uint(let b)):
                    let (r, o) = a.addingReportingOverflow(b)
                    return o ? .error("unsigned integer overflow") : .uint(r)
                case (.double(let a), .double(let b)): return .double(a + b)
                case (.string(let a), .string(let b)): return .string(a + b)
                case (.bytes(let a), .bytes(let b)): return .bytes(a + b)
                case (.list(let a), .list(let b)): return .list(a + b)
                case (.timestamp(let t), .duration(let d)), (.duration(let d), .timestamp(let t)):
                    return t.adding(d).map { .timestamp($0) } ?? .error("timestamp out of range")
                case (.duration(let a), .duration(let b)):
                    let (r, o) = a.nanoseconds.addingReportingOverflow(b.nanoseconds)
                    return o ? .error("duration out of range") : .duration(CELDuration(nanoseconds: r))
                default: return CELValue.noOverload("_+_", x, y)
                }
            },
            .binary("_-_", .global) { x, y in
                switch (x, y) {
                case (.int(let a), .int(let b)):
                    let (r, o) = a.subtractingReportingOverflow(b)
                    return o ? .error("integer overflow") : .int(r)
                case (.uint(let a), .uint(let b)):
                    let (r, o) = a.subtractingReportingOverflow(b)
                    return o ? .error("unsigned integer overflow") : .uint(r)
                case (.double(let a), .double(let b)): return .double(a - b)
                case (.timestamp(let a), .timestamp(let b)):
                    return a.difference(b).map { .duration($0) } ?? .error("duration out of range")
                case (.timestamp(let t), .duration(let d)):
                    guard d.nanoseconds != Int64.min else { return .error("duration out of range") }
                    return t.adding(CELDuration(nanoseconds: -d.nanoseconds)).map { .timestamp($0) } ?? .error("timestamp out of range")
                case (.duration(let a), .duration(let b)):
                    let (r, o) = a.nanoseconds.subtractingReportingOverflow(b.nanoseconds)
                    return o ? .error("duration out of range") : .duration(CELDuration(nanoseconds: r))
                default: return CELValue.noOverload("_-_", x, y)
                }
            },
            .binary("_*_", .global) { x, y in
                switch (x, y) {
                case (.int(let a), .int(let b)):
                    let (r, o) = a.multipliedReportingOverflow(by: b)
                    return o ? .error("integer overflow") : .int(r)
                case (.uint(let a), .uint(let b)):
                    let (r, o) = a.multipliedReportingOverflow(by: b)
                    return o ? .error("unsigned integer overflow") : .uint(r)
                case (.double(let a), .double(let b)): return .double(a * b)
                default: return CELValue.noOverload("_*_", x, y)
                }
            },
            .binary("_/_", .global) { x, y in
                switch (x, y) {
                case (.int(let a), .int(let b)):
                    if b == 0 { return .error("division by zero") }
                    let (r, o) = a.dividedReportingOverflow(by: b)
                    return o ? .error("integer overflow") : .int(r)
                case (.uint(let a), .uint(let b)):
                    return b == 0 ? .error("division by zero") : .uint(a / b)
                case (.double(let a), .double(let b)): return .double(a / b)
                default: return CELValue.noOverload("_/_", x, y)
                }
            },
            .binary("_%_", .global) { x, y in
                switch (x, y) {
                case (.int(let a), .int(let b)):
                    if b == 0 { return .error("modulus by zero") }
                    let (r, o) = a.remainderReportingOverflow(dividingBy: b)
                    return o ? .error("integer overflow") : .int(r)
                case (.uint(let a), .uint(let b)):
                    return b == 0 ? .error("modulus by zero") : .uint(a % b)
                default: return CELValue.noOverload("_%_", x, y)
                }
            },
            .unary("-_", .global) { x in
                switch x {
                case .int(let a): return a == Int64.min ? .error("integer overflow") : .int(-a)
                case .double(let a): return .double(-a)
                default: return CELValue.noOverload("-_", x)
                }
            },
        ]
    }
}

/// `int()`, `uint()`, `double()`, `bool()` conversions with Go's parsing rules and range checks.
enum CELConversions {
    static func int(_ v: CELValue) -> CELValue {
        switch v {
        case .int: return v
        case .uint(let u): return u > UInt64(Int64.max) ? .error("integer overflow") : .int(Int64(u))
        case .double(let d):
            guard d.isFinite, d > -9.223372036854775808e18, d < 9.223372036854775807e18 else { return .error("integer overflow") }
            return .int(Int64(d.rounded(.towardZero)))
        case .string(let s):
            guard !s.isEmpty, s.unicodeScalars.dropFirst(s.hasPrefix("-") || s.hasPrefix("+") ? 1 : 0).allSatisfy({ ("0"..."9").contains($0) }),
                  s != "-", s != "+", let value = Int64(s) else { return .error("cannot convert '\(s)' to int") }
            return .int(value)
        case .timestamp(let t): return .int(t.seconds)
        case .duration(let d): return .int(d.nanoseconds)
        default: return CELValue.noOverload("int", v)
        }
    }

    static func uint(_ v: CELValue) -> CELValue {
        switch v {
        case .uint: return v
        case .int(let i): return i < 0 ? .error("unsigned integer overflow") : .uint(UInt64(i))
        case .double(let d):
            guard d.isFinite, d >= 0, d < 1.8446744073709551616e19 else { return .error("unsigned integer overflow") }
            return .uint(UInt64(d.rounded(.towardZero)))
        case .string(let s):
            guard !s.isEmpty, s.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), let value = UInt64(s) else {
                return .error("cannot convert '\(s)' to uint")
            }
            return .uint(value)
        default: return CELValue.noOverload("uint", v)
        }
    }

    static func double(_ v: CELValue) -> CELValue {
        switch v {
        case .double: return v
        case .int(let i): return .double(Double(i))
        case .uint(let u): return .double(Double(u))
        case .string(let s):
            let lowered = s.lowercased()
            switch lowered {
            case "inf", "+inf", "infinity", "+infinity": return .double(.infinity)
            case "-inf", "-infinity": return .double(-.infinity)
            case "nan": return .double(.nan)
            default: break
            }
            guard let value = Double(s), !s.contains(where: { $0 == " " || $0 == "_" }) else { return .error("cannot convert '\(s)' to double") }
            return .double(value)
        default: return CELValue.noOverload("double", v)
        }
    }

    static func bool(_ v: CELValue) -> CELValue {
        switch v {
        case .bool: return v
        case .string(let s):
            switch s {
            case "1", "t", "T", "true", "TRUE", "True": return .bool(true)
            case "0", "f", "F", "false", "FALSE", "False": return .bool(false)
            default: return .error("cannot convert '\(s)' to bool")
            }
        default: return CELValue.noOverload("bool", v)
        }
    }
}

/// `getFullYear()`, `getMonth()`, … on timestamps (optionally in a time zone) and durations.
enum CELTimeAccessors {
    static var functions: [CELFunction] {
        let fields: [(String, @Sendable (CivilTime, CELTimestamp) -> Int64)] = [
            ("getFullYear", { c, _ in Int64(c.year) }),
            ("getMonth", { c, _ in Int64(c.month - 1) }),
            ("getDate", { c, _ in Int64(c.day) }),
            ("getDayOfMonth", { c, _ in Int64(c.day - 1) }),
            ("getDayOfWeek", { c, _ in Int64(c.weekday) }),
            ("getDayOfYear", { c, _ in Int64(c.dayOfYear) }),
            ("getHours", { c, _ in Int64(c.hour) }),
            ("getMinutes", { c, _ in Int64(c.minute) }),
            ("getSeconds", { c, _ in Int64(c.second) }),
            ("getMilliseconds", { _, t in Int64(t.nanos / 1_000_000) }),
        ]
        let durations: [String: @Sendable (Int64) -> Int64] = [
            "getHours": { $0 / 3_600_000_000_000 },
            "getMinutes": { $0 / 60_000_000_000 },
            "getSeconds": { $0 / 1_000_000_000 },
            // As Cerbos's runtime (cel-go) does: the whole duration in milliseconds.
            "getMilliseconds": { $0 / 1_000_000 },
        ]
        return fields.map { name, field in
            CELFunction.variadic(name, .member, [1, 2]) { args in
                switch args[0] {
                case .timestamp(let t):
                    var offset = 0
                    if args.count == 2 {
                        guard case .string(let zone) = args[1] else { return CELValue.noOverload(name, args[0], args[1]) }
                        guard let found = TimeZoneArgument.offset(zone, at: t) else { return .error("unknown time zone '\(zone)'") }
                        offset = found
                    }
                    return .int(field(CivilTime(seconds: t.seconds + Int64(offset)), t))
                case .duration(let d) where args.count == 1:
                    guard let accessor = durations[name] else { return CELValue.noOverload(name, args[0]) }
                    return .int(accessor(d.nanoseconds))
                default:
                    return CELValue.noOverload(name, args[0])
                }
            }
        }
    }
}
