import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Date {
    /// `2026-12-05T01:16:56Z`: how the API writes timestamps (UTC, whole seconds). Written by hand because
    /// Foundation's ISO 8601 formatters cost tens of microseconds each on Linux, more than the rest of a
    /// small response.
    public var iso8601: String {
        var seconds = time_t(floor(timeIntervalSince1970))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var bytes = [UInt8](repeating: 0, count: 20)
        func put(_ value: Int32, _ at: Int, _ width: Int) {
            var value = value
            for offset in stride(from: width - 1, through: 0, by: -1) {
                bytes[at + offset] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(parts.tm_year + 1900, 0, 4)
        bytes[4] = UInt8(ascii: "-")
        put(parts.tm_mon + 1, 5, 2)
        bytes[7] = UInt8(ascii: "-")
        put(parts.tm_mday, 8, 2)
        bytes[10] = UInt8(ascii: "T")
        put(parts.tm_hour, 11, 2)
        bytes[13] = UInt8(ascii: ":")
        put(parts.tm_min, 14, 2)
        bytes[16] = UInt8(ascii: ":")
        put(parts.tm_sec, 17, 2)
        bytes[19] = UInt8(ascii: "Z")
        return String(decoding: bytes, as: UTF8.self)
    }
}
