import Foundation

/// An opaque value that can be sized and indexed (`size()`, `[i]`).
public protocol CELOpaqueCollection: CELOpaqueValue {
    var count: Int { get }
    func element(at index: Int) -> CELValue?
}

/// Cerbos's `hierarchy` type: dotted paths such as `acme.sales.emea`, as segment lists.
public struct CELHierarchy: CELOpaqueCollection, Equatable {
    public let segments: [String]
    public var typeName: String { "cerbos.lib.hierarchy" }
    public var count: Int { segments.count }
    public func element(at index: Int) -> CELValue? { index >= 0 && index < segments.count ? .string(segments[index]) : nil }
    public func equals(_ other: CELValue) -> Bool? {
        guard case .opaque(let o) = other, let h = o as? CELHierarchy else { return nil }
        return h.segments.count == segments.count && zip(h.segments, segments).allSatisfy { CELString.equal($0, $1) }
    }

    func isPrefix(of other: CELHierarchy) -> Bool {
        segments.count <= other.segments.count && zip(segments, other.segments).allSatisfy { CELString.equal($0, $1) }
    }
}

/// The functions Cerbos adds to CEL: `hierarchy`, `inIPAddrRange`, `now`, `timeSince`, the list-as-set
/// functions (`intersect`, `except`, `hasIntersection`, `isSubset`) and `id`.
public enum CELCerbosFunctions {
    public static var all: [CELFunction] { hierarchy + network + time + sets + [.unary("id", .global) { $0 }] }

    static func hierarchyArgument(_ v: CELValue) -> CELHierarchy? {
        if case .opaque(let o) = v { return o as? CELHierarchy }
        return nil
    }

    static var hierarchy: [CELFunction] {
        func relation(_ name: String, _ test: @escaping @Sendable (CELHierarchy, CELHierarchy) -> Bool) -> CELFunction {
            .binary(name, .member) { a, b in
                guard let x = hierarchyArgument(a), let y = hierarchyArgument(b) else { return CELValue.noOverload(name, a, b) }
                return .bool(test(x, y))
            }
        }
        return [
            .variadic("hierarchy", .global, [1, 2]) { (args: [CELValue]) -> CELValue in
                let delimiter: CELValue? = args.count == 2 ? args[1] : nil
                switch (args[0], delimiter) {
                case (.string(let text), .none):
                    return .opaque(CELHierarchy(segments: CELStrings.split(text, ".", -1)))
                case (.string(let text), .some(.string(let separator))):
                    return .opaque(CELHierarchy(segments: CELStrings.split(text, separator, -1)))
                case (.list(let items), .none):
                    var segments: [String] = []
                    for item in items {
                        guard case .string(let s) = item else { return .error("hierarchy(): list elements must be strings") }
                        segments.append(s)
                    }
                    return .opaque(CELHierarchy(segments: segments))
                default:
                    return CELValue.noOverload("hierarchy", args[0])
                }
            },
            relation("ancestorOf") { a, b in b.segments.count > a.segments.count && a.isPrefix(of: b) },
            relation("descendentOf") { a, b in a.segments.count > b.segments.count && b.isPrefix(of: a) },
            relation("immediateParentOf") { a, b in b.segments.count == a.segments.count + 1 && a.isPrefix(of: b) },
            relation("immediateChildOf") { a, b in a.segments.count == b.segments.count + 1 && b.isPrefix(of: a) },
            relation("siblingOf") { a, b in
                a.segments.count == b.segments.count && zip(a.segments.dropLast(), b.segments.dropLast()).allSatisfy { CELString.equal($0, $1) }
            },
            relation("overlaps") { a, b in a.segments.count <= b.segments.count ? a.isPrefix(of: b) : b.isPrefix(of: a) },
            .binary("commonAncestors", .member) { a, b in
                guard var x = hierarchyArgument(a)?.segments, var y = hierarchyArgument(b)?.segments else { return CELValue.noOverload("commonAncestors", a, b) }
                if x.count == y.count { x = Array(x.dropLast()); y = Array(y.dropLast()) }
                var common: [String] = []
                for (p, q) in zip(x, y) {
                    guard CELString.equal(p, q) else { break }
                    common.append(p)
                }
                return .opaque(CELHierarchy(segments: common))
            },
        ]
    }

    static var network: [CELFunction] {
        [
            .binary("inIPAddrRange", .member) { ip, range in
                guard case .string(let address) = ip, case .string(let cidr) = range else { return CELValue.noOverload("inIPAddrRange", ip, range) }
                guard let parsed = IPAddress(address) else { return .error("invalid IP address: \(address)") }
                guard let block = IPAddressRange(cidr), cidr.contains("/") else { return .error("invalid CIDR range: \(cidr)") }
                return .bool(block.contains(parsed))
            },
        ]
    }

    static var time: [CELFunction] {
        [
            CELFunction("now", style: .global, arities: [0], .contextual { _, activation in .timestamp(activation.now) }),
            CELFunction("timeSince", style: .both, arities: [1], .contextual { args, activation in
                guard case .timestamp(let t) = args[0] else { return CELValue.noOverload("timeSince", args[0]) }
                return activation.now.difference(t).map { .duration($0) } ?? .error("duration out of range")
            }),
        ]
    }

    static var sets: [CELFunction] {
        @Sendable func has(_ list: [CELValue], _ value: CELValue) -> Bool { list.contains { CELValue.equal($0, value) == true } }
        func lists(_ name: String, _ body: @escaping @Sendable ([CELValue], [CELValue]) -> CELValue) -> CELFunction {
            .binary(name, .both) { x, y in
                guard case .list(let a) = x, case .list(let b) = y else { return CELValue.noOverload(name, x, y) }
                return body(a, b)
            }
        }
        return [
            lists("intersect") { a, b in
                let (iterated, other) = a.count <= b.count ? (a, b) : (b, a)
                return .list(iterated.filter { has(other, $0) })
            },
            lists("except") { a, b in .list(a.filter { !has(b, $0) }) },
            lists("hasIntersection") { a, b in .bool(a.contains { has(b, $0) }) },
            lists("has_intersection") { a, b in .bool(a.contains { has(b, $0) }) },
            lists("isSubset") { a, b in .bool(a.allSatisfy { has(b, $0) }) },
            lists("is_subset") { a, b in .bool(a.allSatisfy { has(b, $0) }) },
        ]
    }
}
