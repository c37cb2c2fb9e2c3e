import CEL
import Testing

@Suite("CEL macros")
struct MacroTests {
    @Test func allAndExistsDecideDespiteErrorsElsewhere() {
        check("[1, 2, 3].all(n, n > 0)", true)
        check("[].all(n, n > 0)", true)
        check("[].exists(n, n > 0)", false)
        check("[1, 'a', 3].all(n, n == 1)", false)
        check("[1, 2, 3].all(n, 6 / (2 - n) == 6)", false)
        checkError("[1, 'a'].all(n, n > 0)", "no such overload")
        checkError("[1, 2].all(n, n / 0 > 0)", "division by zero")
        check("[0, 'a'].exists(n, n == 'a')", true)
        check("['a', 1].exists(n, n > 0)", true)
        checkError("[1, 2].exists(n, n / 0 > 0)", "division by zero")
        checkError("[1, 2].all(n, 'not a bool')", "no such overload")
    }

    @Test func existsOneCountsEveryElement() {
        check("[1, 2, 3].exists_one(n, n > 2)", true)
        check("[1, 2, 3].exists_one(n, n > 1)", false)
        check("[1, 2, 3].existsOne(n, n == 2)", true)
        checkError("[3, 0].exists_one(n, 6 / n > 1)", "division by zero")
    }

    @Test func mapAndFilter() {
        check("[1, 2, 3].map(n, n * 10)", [10, 20, 30])
        check("[1, 2, 3, 4].map(n, n % 2 == 0, n * 10)", [20, 40])
        check("[1, 2, 3, 4].filter(n, n % 2 == 1)", [1, 3])
        check("{'a': 1, 'b': 2}.map(k, k + k)", ["aa", "bb"])
        check("{'a': 1, 'b': 2}.filter(k, k == 'b')", ["b"])
        checkError("[1, 0].map(n, 1 / n)", "division by zero")
        checkError("[1, 2].filter(n, n)", "no such overload")
        checkError("1.map(n, n)", "cannot be the range")
    }

    @Test func twoVariableForms() {
        check("['a', 'b'].all(i, v, i < 2 && v.size() == 1)", true)
        check("{'a': 1, 'b': 2}.exists(k, v, k == 'b' && v == 2)", true)
        check("[5, 6, 7].transformList(i, v, i * v)", [0, 6, 14])
        check("[5, 6, 7].transformList(i, v, i != 1, v)", [5, 7])
        check("[5, 6].transformMap(i, v, v + i)", .map(CELMap([(.int(0), .int(5)), (.int(1), .int(7))])))
        check("{'k': 'v'}.transformMapEntry(key, value, {value: key})", .map(CELMap([(.string("v"), .string("k"))])))
        checkError("{'a': 'x', 'b': 'x'}.transformMapEntry(k, v, {v: k})", "already exists")
        #expect(Eval.compileError("[1].all(i, i, true)")?.contains("duplicate variable name") == true)
    }

    @Test func nestedComprehensionsAndShadowing() {
        check("[[1, 2], [3]].all(l, l.all(n, n > 0))", true)
        check("[1, 2].map(x, x + 1)", [2, 3])
        check("x", 7)
        check("[1].map(n, [2].map(n, n * 10))", [[20]])
    }

    @Test func bind() {
        check("cel.bind(square, x * x, square + square)", 98)
        check("cel.bind(x, 1, x + 1)", 2)
        check("cel.bind(a, [1, 2], a.map(v, cel.bind(b, v * 2, b + 1)))", [3, 5])
    }
}
