import CEL
import Testing

@Suite("CEL strings: standard functions, extension, format")
struct StringExtensionTests {
    @Test func standardFunctions() {
        check("'hello'.contains('ell') && 'hello'.contains('')", true)
        check("'hello'.startsWith('he') && 'hello'.endsWith('lo')", true)
        check("size('πέντε')", 5)
        check("'hubba'.matches('ubb')", true)
        check("'hubba'.matches('^ubb')", false)
        check("matches('2026-03-14', '^\\\\d{4}-\\\\d{2}-\\\\d{2}$')", true)
        check("'٣'.matches('\\\\d')", false)
        check("'a\\rb'.matches('a.b')", true)
        check("'ab'.matches('(?P<first>a)b')", true)
        checkError("'x'.matches(names[0] + '(')", "invalid regular expression")
        #expect(Eval.compileError("'aa'.matches('(a)\\\\1')")?.contains("backreferences") == true)
        #expect(Eval.compileError("'ab'.matches('a(?=b)')")?.contains("lookaround") == true)
    }

    @Test func extensionFunctions() {
        check("'tacocat'.charAt(3)", "o")
        check("'tacocat'.charAt(7)", "")
        checkError("'tacocat'.charAt(8)", "index out of range")
        check("'hello mellow'.indexOf('ll')", 2)
        check("'hello mellow'.indexOf('ll', 3)", 8)
        check("'hello mellow'.lastIndexOf('ll')", 8)
        check("'bananananana'.lastIndexOf('nana', 7)", 6)
        check("'abc'.indexOf('')", 0)
        check("'abc'.lastIndexOf('')", 3)
        checkError("'abc'.indexOf('a', -1)", "index out of range")
        check("'TacoCÆt'.lowerAscii()", "tacocÆt")
        check("'TacoCÆt'.upperAscii()", "TACOCÆT")
        check("'a.b.c'.replace('.', '/')", "a/b/c")
        check("'a.b.c'.replace('.', '/', 1)", "a/b.c")
        check("'ab'.replace('', '_')", "_a_b_")
        check("'a,b,,c'.split(',')", ["a", "b", "", "c"])
        check("'a,b,c'.split(',', 2)", ["a", "b,c"])
        check("'a,b'.split(',', 0)", [])
        check("''.split(',')", [""])
        check("'ab'.split('')", ["a", "b"])
        check("'tacocat'.substring(4)", "cat")
        check("'tacocat'.substring(0, 4)", "taco")
        checkError("'tacocat'.substring(4, 3)", "invalid substring range")
        checkError("'tacocat'.substring(8)", "index out of range")
        check("'  \\t text \\n'.trim()", "text")
        check("['a', 'b'].join()", "ab")
        check("['a', 'b'].join(', ')", "a, b")
        checkError("['a', 1].join()", "must be strings")
        check("'résumé'.reverse()", "émusér")
        check("strings.quote('say \"hi\"\\n')", .string("\"say \\\"hi\\\"\\n\""))
    }

    @Test(arguments: [
        ("'%s and %s'.format(['a', 1])", "a and 1"),
        ("'%d%%'.format([42])", "42%"),
        ("'%.2f'.format([3.14159])", "3.14"),
        ("'%.0f'.format([2.5])", "2"),
        ("'%.0f'.format([3.5])", "4"),
        ("'%.3f'.format([1.2345])", "1.234"),
        ("'%f'.format([1])", "1.000000"),
        ("'%e'.format([1234.5678])", "1.234568e+03"),
        ("'%.2e'.format([0.000123])", "1.23e-04"),
        ("'%b'.format([5])", "101"),
        ("'%o'.format([8])", "10"),
        ("'%x'.format([255])", "ff"),
        ("'%X'.format(['Hi'])", "4869"),
        ("'%s'.format([[1, 'a', null]])", "[1, a, null]"),
        ("'%s'.format([{'b': 1, 'a': 2}])", "{a: 2, b: 1}"),
        ("'%s'.format([3.5])", "3.5"),
        ("'%s'.format([duration('90s')])", "90s"),
    ])
    func format(_ source: String, _ expected: String) {
        check(source, .string(expected))
    }

    @Test func formatErrors() {
        checkError("'%d %d'.format([1])", "index 1 out of range")
        checkError("'%q'.format([1])", "unrecognized formatting clause")
        checkError("'%d'.format(['x'])", "decimal clause")
        checkError("'%x'.format([1.5])", "hex")
    }
}
