import CEL
import Testing

@Suite("CEL literals and syntax")
struct LiteralTests {
    @Test func numbers() {
        check("42", 42)
        check("0x2A", 42)
        check("42u", .uint(42))
        check("0xFFu", .uint(255))
        check("-9223372036854775808", .int(Int64.min))
        check("3.25", 3.25)
        check(".5", 0.5)
        check("2e3", 2000.0)
        check("1.5e-2", 0.015)
        check("-(2)", -2)
        check("---4", -4)
        check("!!true", true)
        #expect(Eval.compileError("9223372036854775808")?.contains("invalid int literal") == true)
    }

    @Test func strings() {
        check(#""tab\tnew\nline""#, "tab\tnew\nline")
        check(#"'single "quotes"'"#, #"single "quotes""#)
        check(#"r'\d+\n'"#, #"\d+\n"#)
        check(#""\u00e9\U0001F600\x41\101""#, "é😀AA")
        check("'''multi\nline'''", "multi\nline")
        check(#""""a "quoted" word""""#, #"a "quoted" word"#)
        check(#"b'\xff\000ab'"#, .bytes([0xFF, 0, 0x61, 0x62]))
        check(#"b'é'"#, .bytes([0xC3, 0xA9]))
        check("size(b'é') == 2 && size('é') == 1", true)
        #expect(Eval.compileError(#""bad \q escape""#)?.contains("invalid escape") == true)
        #expect(Eval.compileError(#"b'\u00e9'"#)?.contains("not allowed in bytes") == true)
        #expect(Eval.compileError("'unterminated") != nil)
    }

    @Test func collections() {
        check("[1, 'two', 3.0,]", [1, "two", 3.0])
        check("{'a': 1, 2: 'b'}['a']", 1)
        check("{'a': 1}.a", 1)
        check("size({'a': 1, 'b': 2,})", 2)
        checkError("{'a': 1, 'a': 2}", "repeated key")
        checkError("{1.5: 'x'}", "unsupported key type")
        checkError("{1: 'x', 1u: 'y'}", "repeated key")
    }

    @Test func commentsAndWhitespace() {
        check("1 + // one\n 2 // and two", 3)
    }

    @Test func precedenceFollowsTheSpec() {
        check("1 + 2 * 3", 7)
        check("(1 + 2) * 3", 9)
        check("10 - 4 - 3", 3)
        check("true || false && false", true)
        check("false ? 1 : true ? 2 : 3", 2)
        check("1 < 2 == true", true)
        check("2 in [1, 2] && !false", true)
        check("-x + 1", -6)
    }

    @Test func parseErrorsSayWhereAndWhat() {
        #expect(Eval.compileError("1 +") == "syntax error at 1:4: unexpected end of expression")
        #expect(Eval.compileError("if(true)")?.contains("reserved identifier: if") == true)
        #expect(Eval.compileError("let")?.contains("reserved identifier: let") == true)
        #expect(Eval.compileError("has(x)")?.contains("invalid argument to has() macro") == true)
        #expect(Eval.compileError("[1].all(1, true)")?.contains("argument must be a simple name") == true)
        #expect(Eval.compileError("(1 + 2")?.contains("expected ')'") == true)
        #expect(Eval.compileError("a.b{c: 1}") != nil)
        #expect(Eval.compileError("1 ~ 2")?.contains("unexpected character") == true)
        #expect(Eval.compileError("math.greatest()")?.contains("at least one argument") == true)
    }

    @Test func referencesAreCheckedAtCompileTime() {
        #expect(Eval.compileError("undefined_name + 1") == "undeclared reference to 'undefined_name'")
        #expect(Eval.compileError("nope(1)") == "undeclared reference to 'nope'")
        #expect(Eval.compileError("size(1, 2)") == "found no matching overload for 'size' applied to 2 arguments")
        #expect(Eval.compileError("'a'.contains()") == "found no matching overload for receiver 'contains' applied to 1 argument")
        #expect(Eval.compileError("'abc'.matches('(')")?.contains("invalid regular expression") == true)
        // Reserved words may still be map keys selected by name.
        check("{'for': 1}.for", 1)
    }
}
