import CEL
import Testing

@Suite("CEL conversions and formatting")
struct ConversionTests {
    @Test func toInt() {
        check("int(3.99)", 3)
        check("int(-3.99)", -3)
        check("int('-42')", -42)
        check("int(42u)", 42)
        checkError("int(' 42')", "cannot convert")
        checkError("int('4_2')", "cannot convert")
        checkError("int(1e19)", "overflow")
        checkError("int(18446744073709551615u)", "overflow")
        check("int(timestamp('1970-01-02T00:00:00Z'))", 86400)
        check("int(duration('1s'))", 1_000_000_000)
    }

    @Test func toUintDoubleBoolBytes() {
        check("uint(7)", .uint(7))
        check("uint(7.9)", .uint(7))
        checkError("uint(-1)", "overflow")
        checkError("uint('-1')", "cannot convert")
        check("double(2)", 2.0)
        check("double('1e3')", 1000.0)
        check("double('-Infinity')", .double(-.infinity))
        check("bool('true') && !bool('F')", true)
        checkError("bool('yes')", "cannot convert")
        check("bytes('hé')", .bytes([0x68, 0xC3, 0xA9]))
        checkError("string(b'\\xff')", "invalid UTF-8")
        check("dyn(7) == 7", true)
    }

    @Test(arguments: [
        ("string(10.0)", "10"), ("string(123.456)", "123.456"), ("string(-0.0045)", "-0.0045"), ("string(1e6)", "1e+06"),
        ("string(1234567.0)", "1.234567e+06"), ("string(123456.0)", "123456"), ("string(0.0001)", "0.0001"), ("string(0.00001)", "1e-05"),
        ("string(-0.0)", "-0"), ("string(1.0 / 0.0)", "+Inf"), ("string(-1.0 / 0.0)", "-Inf"), ("string(0.0 / 0.0)", "NaN"),
        ("string(42u)", "42"), ("string(-42)", "-42"), ("string(true)", "true"), ("string(type(1))", "int"),
    ])
    func toString(_ source: String, _ expected: String) {
        check(source, .string(expected))
    }
}
