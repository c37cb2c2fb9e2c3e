/// A function an environment offers: its name, how it may be called, and its implementation.
public struct CELFunction: Sendable {
    public enum Style: Sendable {
        /// `f(a, b)`.
        case global
        /// `a.f(b)`: the receiver is the first argument.
        case member
        case both
    }

    public enum Implementation: Sendable {
        case unary(@Sendable (CELValue) -> CELValue)
        case binary(@Sendable (CELValue, CELValue) -> CELValue)
        case ternary(@Sendable (CELValue, CELValue, CELValue) -> CELValue)
        case variadic(@Sendable ([CELValue]) -> CELValue)
        /// Needs the activation (`now()`).
        case contextual(@Sendable ([CELValue], CELActivation) -> CELValue)
    }

    public var name: String
    public var style: Style
    /// Accepted argument counts, the receiver included.
    public var arities: Set<Int>
    /// Strict functions see no errors or unknowns: the first one among the arguments is the result.
    public var strict: Bool
    public var implementation: Implementation

    public init(_ name: String, style: Style, arities: Set<Int>, strict: Bool = true, _ implementation: Implementation) {
        self.name = name
        self.style = style
        self.arities = arities
        self.strict = strict
        self.implementation = implementation
    }

    public static func unary(_ name: String, _ style: Style, _ body: @escaping @Sendable (CELValue) -> CELValue) -> CELFunction {
        CELFunction(name, style: style, arities: [1], .unary(body))
    }

    public static func binary(_ name: String, _ style: Style, _ body: @escaping @Sendable (CELValue, CELValue) -> CELValue) -> CELFunction {
        CELFunction(name, style: style, arities: [2], .binary(body))
    }

    public static func ternary(_ name: String, _ style: Style, _ body: @escaping @Sendable (CELValue, CELValue, CELValue) -> CELValue) -> CELFunction {
        CELFunction(name, style: style, arities: [3], .ternary(body))
    }

    public static func variadic(_ name: String, _ style: Style, _ arities: Set<Int>, _ body: @escaping @Sendable ([CELValue]) -> CELValue) -> CELFunction {
        CELFunction(name, style: style, arities: arities, .variadic(body))
    }
}
