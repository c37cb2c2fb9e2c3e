/// The values an evaluation sees: declared variables by slot, comprehension variables, lazily computed
/// named bindings (Cerbos's `V.x`), and the clock.
public final class CELActivation {
    /// The declared variables, in storage the activation owns: a fixed count, written and read without
    /// the dynamic exclusivity checks an array property of a class costs on every access.
    let globals: UnsafeMutablePointer<CELValue>
    /// How many global slots the activation holds.
    public let slotCount: Int
    // An activation is used by one evaluation at a time (it is not Sendable), so the dynamic exclusivity
    // checks Swift would make on every access to these class properties buy nothing.
    @exclusivity(unchecked) var locals: [CELValue] = []
    /// Results of lazy bindings, one table per binding set, valid for the current `generation` only (a
    /// stale table is cleared in place on first use, so a reused activation allocates nothing).
    @exclusivity(unchecked) var lazyTables: [LazyTable] = []
    @exclusivity(unchecked) var generation = 0

    struct LazyTable {
        let owner: ObjectIdentifier
        var generation: Int
        var values: [CELValue?]
    }
    private var clock: CELTimestamp
    /// Whether an expression read the clock (`now()`, `timeSince()`).
    public private(set) var readClock = false

    /// `now()`: fixed for the whole evaluation.
    public var now: CELTimestamp {
        get {
            readClock = true
            return clock
        }
        set { clock = newValue }
    }

    public init(globals: [CELValue], now: CELTimestamp) {
        slotCount = globals.count
        self.globals = UnsafeMutablePointer<CELValue>.allocate(capacity: max(1, globals.count))
        self.globals.initialize(from: globals, count: globals.count)
        self.clock = now
    }

    deinit {
        globals.deinitialize(count: slotCount)
        globals.deallocate()
    }

    /// Replaces one declared variable's value.
    public func set(_ slot: Int, _ value: CELValue) {
        precondition(slot >= 0 && slot < slotCount, "no CEL slot \(slot)")
        globals[slot] = value
    }

    /// A declared variable as compiled code reads it: an activation with too few slots is an error value.
    @inline(__always)
    func global(_ slot: Int) -> CELValue {
        slot < slotCount ? globals[slot] : .error("no value for variable slot \(slot)")
    }

    /// One declared variable's current value.
    public func value(_ slot: Int) -> CELValue {
        precondition(slot >= 0 && slot < slotCount, "no CEL slot \(slot)")
        return globals[slot]
    }

    /// Forgets computed lazy bindings (when the same activation is reused for another resource).
    public func resetLazyBindings() { generation &+= 1 }

    /// Readies the activation for another evaluation: a new clock, no lazy results, no locals. The
    /// caller then sets every global slot.
    public func reset(now: CELTimestamp) {
        clock = now
        readClock = false
        generation &+= 1
        // Tables of binding sets that are gone (replaced policies) would otherwise accumulate.
        if lazyTables.count > 64 { lazyTables.removeAll(keepingCapacity: true) }
        if !locals.isEmpty { locals.removeAll(keepingCapacity: true) }
    }

}

typealias CELEval = @Sendable (CELActivation) -> CELValue

/// A compiled expression: evaluate it as often as needed, concurrently, with different activations.
public struct CELProgram: Sendable {
    let eval: CELEval
    public let source: String
    /// The variable slots the expression reads.
    public let usedSlots: Set<Int>

    init(eval: @escaping CELEval, source: String, usedSlots: Set<Int> = []) {
        self.eval = eval
        self.source = source
        self.usedSlots = usedSlots
    }

    /// A program that always yields `value`.
    public static func constant(_ value: CELValue, source: String) -> CELProgram {
        CELProgram(eval: { _ in value }, source: source)
    }

    public func evaluate(_ activation: CELActivation) -> CELValue { eval(activation) }
}

/// Named expressions evaluated at most once per activation, reachable as fields of a namespace
/// (`V.owner_match`). The table is filled after creation so bindings may refer to each other.
public final class CELLazyBindings: @unchecked Sendable {
    public let names: [String]
    /// What a binding is called in errors (`undefined constant 'x'`).
    public let kind: String
    @exclusivity(unchecked) private(set) var programs: [CELEval?]
    let index: [String: Int]

    public init(names: [String], kind: String = "variable") {
        self.names = names
        self.kind = kind
        self.programs = Array(repeating: nil, count: names.count)
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() { index[name] = i }
        self.index = index
    }

    /// Sets the program of a binding (before any evaluation; not thread-safe).
    public func define(_ name: String, _ program: CELProgram) {
        if let slot = index[name] { programs[slot] = program.eval }
    }

    func value(_ slot: Int, _ activation: CELActivation) -> CELValue {
        let owner = ObjectIdentifier(self)
        let generation = activation.generation
        var table = activation.lazyTables.firstIndex { $0.owner == owner }
        if let table, activation.lazyTables[table].generation == generation, let cached = activation.lazyTables[table].values[slot] {
            return cached
        }
        guard let program = programs[slot] else { return .error("undefined field '\(names[slot])'") }
        // The binding's own comprehension variables use the same local slots as the caller's: keep the caller's.
        let callerLocals = activation.locals
        let value = program(activation)
        activation.locals = callerLocals
        // Evaluating may have added tables (bindings that use other bindings), never removed one.
        if table == nil { table = activation.lazyTables.firstIndex { $0.owner == owner } }
        if table == nil {
            activation.lazyTables.append(CELActivation.LazyTable(owner: owner, generation: generation,
                                                                 values: Array(repeating: nil, count: names.count)))
            table = activation.lazyTables.count - 1
        }
        guard let table else { return value }
        if activation.lazyTables[table].generation != generation || activation.lazyTables[table].values.count != names.count {
            activation.lazyTables[table].generation = generation
            if activation.lazyTables[table].values.count == names.count {
                for index in activation.lazyTables[table].values.indices { activation.lazyTables[table].values[index] = nil }
            } else {
                activation.lazyTables[table].values = Array(repeating: nil, count: names.count)
            }
        }
        activation.lazyTables[table].values[slot] = value
        return value
    }
}

/// Why an expression does not compile: a syntax error or a reference the environment lacks.
public struct CELCompileError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { message }

    init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    init(_ error: CELParseError) {
        self.message = "syntax error at \(error.line):\(error.column): \(error.message)"
        self.offset = error.offset
    }
}
