import CEL
import Foundation
import Testing

/// Evaluates CEL with a few variables bound, the extensions Cerbos enables, and a fixed clock.
enum Eval {
    static let environment = CELEnvironment(variables: ["x", "y", "m", "names", "nested"],
                                            functions: CELExtensions.all + CELCerbosFunctions.all)
    static let now = CELTimestamp.parse("2026-03-14T15:09:26Z")!

    static func run(_ source: String, x: CELValue = .int(7), y: CELValue = .double(2.5)) -> CELValue {
        do {
            let program = try environment.compile(source)
            let m = CELValue.map(CELMap(strings: ["a": .int(1), "b": .string("two"), "n": .null]))
            let nested = CELValue.map(CELMap(strings: ["inner": .map(CELMap(strings: ["leaf": .bool(true)]))]))
            let names = CELValue.list([.string("ada"), .string("grace")])
            return program.evaluate(CELActivation(globals: [x, y, m, names, nested], now: now))
        } catch {
            return .error("compile: \(error)")
        }
    }

    static func compileError(_ source: String) -> String? {
        do {
            _ = try environment.compile(source)
            return nil
        } catch {
            return error.message
        }
    }
}

/// Asserts that `source` evaluates to `expected` (exact type and value; NaN equals NaN).
func check(_ source: String, _ expected: CELValue, sourceLocation: SourceLocation = #_sourceLocation) {
    let result = Eval.run(source)
    #expect(result == expected, "\(source) → \(result)", sourceLocation: sourceLocation)
}

/// Asserts that `source` evaluates to an error whose message contains `fragment`.
func checkError(_ source: String, _ fragment: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    let result = Eval.run(source)
    guard case .error(let error) = result else {
        Issue.record("\(source) → \(result), expected an error", sourceLocation: sourceLocation)
        return
    }
    #expect(error.message.contains(fragment), "\(source) → \(error.message)", sourceLocation: sourceLocation)
}
