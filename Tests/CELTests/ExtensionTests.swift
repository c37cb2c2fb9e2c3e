import CEL
import Testing

@Suite("CEL math, lists, sets, encoders and Cerbos functions")
struct ExtensionTests {
    @Test func math() {
        check("math.greatest(1, 5.5, 3u)", 5.5)
        check("math.greatest([1, 7, 3])", 7)
        check("math.least(-1, 2u)", -1)
        check("math.greatest(3u, -3)", .uint(3))
        checkError("math.greatest([])", "empty")
        check("math.ceil(1.2) == 2.0 && math.floor(-1.2) == -2.0 && math.trunc(-1.7) == -1.0", true)
        check("math.round(2.5) == 3.0 && math.round(-2.5) == -3.0", true)
        checkError("math.ceil(1)", "no such overload")
        check("math.abs(-5) == 5 && math.abs(-2.5) == 2.5", true)
        checkError("math.abs(-9223372036854775808)", "overflow")
        check("math.sign(-3) == -1 && math.sign(0u) == 0u", true)
        check("math.isNaN(0.0 / 0.0) && math.isInf(1.0 / 0.0) && math.isFinite(1.0)", true)
        check("math.bitAnd(12, 10) == 8 && math.bitOr(12, 10) == 14 && math.bitXor(12, 10) == 6", true)
        check("math.bitNot(0) == -1", true)
        check("math.bitShiftRight(-1, 60) == 15", true)
        check("math.sqrt(16) == 4.0", true)
    }

    @Test func lists() {
        check("[1, 2, 3, 4].slice(1, 3)", [2, 3])
        checkError("[1, 2].slice(1, 3)", "list is length 2")
        check("[1, [2, [3]]].flatten()", [1, 2, [3]])
        check("[1, [2, [3]]].flatten(2)", [1, 2, 3])
        check("[3, 1, 2].sort()", [1, 2, 3])
        check("['b', 'a'].sort()", ["a", "b"])
        checkError("[1, 'a'].sort()", "same type")
        check("[1, 2, 1, 1.0].distinct()", [1, 2])
        check("[1, 2].reverse()", [2, 1])
        check("lists.range(3)", [0, 1, 2])
    }

    @Test func setsAndCerbosListFunctions() {
        check("sets.contains([1, 2, 3], [1.0, 3u])", true)
        check("sets.equivalent([1, 1, 2], [2, 1])", true)
        check("sets.intersects([1], [2, 1])", true)
        check("[1, 2, 3].intersect([2, 3, 4])", [2, 3])
        check("intersect([1, 2], [2.0])", [2.0])
        check("[1, 2, 3].except([2])", [1, 3])
        check("[1, 2].hasIntersection([3, 2])", true)
        check("has_intersection(['a'], ['b'])", false)
        check("[1, 1].isSubset([1, 2])", true)
        check("[].isSubset([1])", true)
        check("is_subset([3], [1, 2])", false)
    }

    @Test func base64() {
        check("base64.encode(b'hello')", "aGVsbG8=")
        check("base64.decode('aGVsbG8=')", .bytes(Array("hello".utf8)))
        check("base64.decode('aGVsbG8')", .bytes(Array("hello".utf8)))
        checkError("base64.decode('***')", "illegal base64")
    }

    @Test func hierarchies() {
        check("hierarchy('a.b.c').ancestorOf(hierarchy('a.b.c.d'))", true)
        check("hierarchy('a.b').ancestorOf(hierarchy('a.b'))", false)
        check("hierarchy('a.b.c.d').descendentOf(hierarchy('a.b'))", true)
        check("hierarchy('a.b').immediateParentOf(hierarchy('a.b.c'))", true)
        check("hierarchy('a.b.c').immediateChildOf(hierarchy('a.b'))", true)
        check("hierarchy('a.b.c').siblingOf(hierarchy('a.b.d'))", true)
        check("hierarchy('a.b.c.d').siblingOf(hierarchy('a.b.d'))", false)
        check("hierarchy('a.b').overlaps(hierarchy('a.b.c'))", true)
        check("hierarchy('a.b.x').overlaps(hierarchy('a.b.c.d'))", false)
        check("hierarchy('a.b.c.d').commonAncestors(hierarchy('a.b.c.d')) == hierarchy('a.b.c')", true)
        check("hierarchy('a.b.c.d').commonAncestors(hierarchy('a.b.x')) == hierarchy(['a', 'b'])", true)
        check("hierarchy('aXXbXXc', 'XX') == hierarchy('a.b.c')", true)
        check("hierarchy('a.b.c').size() == 3 && hierarchy('a.b.c')[1] == 'b'", true)
        checkError("hierarchy('a.b')[2]", "index out of range")
        checkError("hierarchy('a') == 'a'", "no such overload")
    }

    @Test func ipRanges() {
        check("'192.168.0.5'.inIPAddrRange('192.168.0.0/24')", true)
        check("'192.168.1.5'.inIPAddrRange('192.168.0.0/24')", false)
        check("'2001:db8::1000:0'.inIPAddrRange('2001:db8::/48')", true)
        check("'::ffff:10.0.0.1'.inIPAddrRange('10.0.0.0/8')", true)
        check("'10.0.0.1'.inIPAddrRange('::/0')", false)
        checkError("'test'.inIPAddrRange('10.0.0.0/8')", "invalid IP address")
        checkError("'10.0.0.1'.inIPAddrRange('10.0.0.0')", "invalid CIDR")
        checkError("'010.0.0.1'.inIPAddrRange('10.0.0.0/8')", "invalid IP address")
    }
}

extension ExtensionTests {
    @Test func robustOnArbitraryInput() {
        // Random token soups must never crash the parser, compiler or evaluator.
        let pieces = ["1", "2u", "3.5", "'s'", "x", "m", "names", "(", ")", "[", "]", "{", "}", ".", ",", ":", "?", "+", "-", "*", "/", "%",
                      "==", "<", "&&", "||", "!", "in", "size", "all", "map", "has", "a", "b", "null", "true", "int", "cel.bind", "math.greatest"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let count = Int.random(in: 1...12, using: &generator)
            let source = (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined(separator: " ")
            _ = Eval.run(source)
        }
        let deep = String(repeating: "(", count: 1000) + "1" + String(repeating: ")", count: 1000)
        #expect(Eval.compileError(deep)?.contains("nested too deeply") == true)
        #expect(Eval.run(String(repeating: "!", count: 501) + "true") == .bool(false))
    }
}
