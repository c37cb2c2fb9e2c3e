import CEL
import Testing

@Suite("CEL arithmetic, equality, ordering and errors")
struct SemanticsTests {
    @Test func integerArithmeticChecksOverflow() {
        check("7 / 2", 3)
        check("-7 / 2", -3)
        check("-7 % 3", -1)
        check("7 % -3", 1)
        check("5u - 2u", .uint(3))
        checkError("9223372036854775807 + 1", "overflow")
        checkError("-9223372036854775808 - 1", "overflow")
        checkError("-9223372036854775808 / -1", "overflow")
        checkError("-(-9223372036854775808)", "overflow")
        checkError("0u - 1u", "overflow")
        checkError("4000000000 * 4000000000", "overflow")
        checkError("1 / 0", "division by zero")
        checkError("1 % 0", "modulus by zero")
    }

    @Test func doublesFollowIEEE() {
        check("1.0 / 0.0", .double(.infinity))
        check("-1.0 / 0.0", .double(-.infinity))
        check("0.0 / 0.0", .double(.nan))
        check("0.1 + 0.2 == 0.30000000000000004", true)
        checkError("7.5 % 2.0", "no such overload")
    }

    @Test func mixedNumericArithmeticIsAnError() {
        checkError("1 + 1u", "no such overload")
        checkError("1 + 1.0", "no such overload")
        checkError("y * 2", "no such overload")
    }

    @Test func equalityIsHeterogeneousOnTheNumberLine() {
        check("1 == 1.0", true)
        check("1u == 1", true)
        check("dyn(2) == 2.5", false)
        check("0.0 / 0.0 == 0.0 / 0.0", false)
        check("0.0 / 0.0 != 0.0 / 0.0", true)
        check("[1, 2.0] == [1.0, 2u]", true)
        check("{1: 'a'} == {1u: 'a'}", true)
        check("{'a': 1, 'b': 2} == {'b': 2, 'a': 1}", true)
        check("[1, 'a'] == [1, 2]", false)
        check("null == null", true)
        check("dyn(0) == null", false)
        check("'a' == 1", false)
        check("type(1) == int && type(1u) == uint && type(1.0) == double", true)
        check("type(type(1)) == type", true)
        check("type(null) == null_type", true)
        check("type([]) == list && type({}) == map", true)
    }

    @Test func orderingAcrossNumbersButNotOtherTypes() {
        check("1 < 1.5", true)
        check("-1 < 1u", true)
        check("18446744073709551615u > 9223372036854775807", true)
        check("2.0 >= 2u", true)
        check("'a' < 'b' && 'B' < 'a'", true)
        check("b'a' < b'ab'", true)
        check("false < true", true)
        checkError("null < null", "no such overload")
        checkError("[1] < [2]", "no such overload")
        checkError("'a' < 1", "no such overload")
        checkError("0.0 / 0.0 < 1.0", "NaN")
    }

    @Test func logicalOperatorsAbsorbErrorsWhenTheOtherSideDecides() {
        check("false && 1 / 0 == 1", false)
        check("1 / 0 == 1 && false", false)
        check("true || 1 / 0 == 1", true)
        check("1 / 0 == 1 || true", true)
        checkError("true && 1 / 0 == 1", "division by zero")
        checkError("1 / 0 == 1 || false", "division by zero")
        checkError("'text' && true", "no such overload")
        check("'text' && false", false)
        check("undefined_in_map_key() || true", .error("compile: undeclared reference to 'undefined_in_map_key'"))
        check("m.missing == 1 || true", true)
        check("false ? 1 / 0 : 42", 42)
        checkError("(1 / 0 == 1) ? 1 : 2", "division by zero")
        checkError("'yes' ? 1 : 2", "no such overload")
        checkError("!0", "no such overload")
    }

    @Test func unknownsBeatErrorsAndYieldToDecidingValues() {
        let unknown = CELValue.unknown(CELUnknown(["request.principal.attr.level"]))
        let environment = CELEnvironment(variables: ["u"])
        func run(_ source: String) -> CELValue {
            (try? environment.compile(source))!.evaluate(CELActivation(globals: [unknown], now: Eval.now))
        }
        #expect(run("u && false") == .bool(false))
        #expect(run("u || true") == .bool(true))
        #expect(run("u && true") == unknown)
        #expect(run("u && 1 / 0 == 1") == unknown)
        #expect(run("u + 1") == unknown)
        #expect(run("[u].size()") == unknown)
    }

    @Test func mapsAndListsIndex() {
        check("m.a", 1)
        check("m['b']", "two")
        check("m.n == null", true)
        checkError("m.zzz", "no such key: zzz")
        check("{1: 'one'}[1.0]", "one")
        checkError("{1: 'one'}[1.5]", "no such key")
        check("{1u: 'one'}[1]", "one")
        check("'a' in m && !('z' in m)", true)
        check("2 in [1, 2u, 3.0]", true)
        check("[10, 20, 30][1u]", 20)
        check("[10, 20, 30][2.0]", 30)
        checkError("[10, 20][2]", "index out of bounds")
        checkError("[10, 20][-1]", "index out of bounds")
        checkError("[10, 20][0.5]", "invalid list index")
        check("nested.inner.leaf", true)
        checkError("1.field", "does not support field selection")
    }

    @Test func presenceTests() {
        check("has(m.a)", true)
        check("has(m.n)", true)
        check("has(m.zzz)", false)
        check("has(nested.inner.leaf)", true)
        checkError("has(nested.missing.leaf)", "no such key")
        checkError("has(x.field)", "does not support field selection")
    }
}
