import Foundation

/// A point in time with nanosecond precision, in [0001-01-01T00:00:00Z, 9999-12-31T23:59:59.999999999Z].
/// The UTC offset it was written with is kept for `string()`; comparisons use the instant.
public struct CELTimestamp: Sendable, Hashable {
    public var seconds: Int64
    public var nanos: Int32
    public var offsetSeconds: Int32

    static let minSeconds: Int64 = -62_135_596_800
    static let maxSeconds: Int64 = 253_402_300_799

    public init?(seconds: Int64, nanos: Int32 = 0, offsetSeconds: Int32 = 0) {
        guard seconds >= Self.minSeconds, seconds <= Self.maxSeconds, nanos >= 0, nanos < 1_000_000_000 else { return nil }
        self.seconds = seconds
        self.nanos = nanos
        self.offsetSeconds = offsetSeconds
    }

    public init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        var whole = interval.rounded(.down)
        var nanos = ((interval - whole) * 1e9).rounded()
        if nanos >= 1e9 { whole += 1; nanos -= 1e9 }
        seconds = Int64(whole)
        self.nanos = Int32(nanos)
        offsetSeconds = 0
    }

    public static func == (a: CELTimestamp, b: CELTimestamp) -> Bool { a.seconds == b.seconds && a.nanos == b.nanos }
    public func hash(into hasher: inout Hasher) { hasher.combine(seconds); hasher.combine(nanos) }

    static func < (a: CELTimestamp, b: CELTimestamp) -> Bool { (a.seconds, a.nanos) < (b.seconds, b.nanos) }

    /// RFC 3339 (`2009-02-13T23:31:30Z`, `…T10:00:20.021-05:00`); uppercase T and Z; fractions of any length.
    public static func parse(_ text: String) -> CELTimestamp? {
        let chars = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= chars.count else { return nil }
            var value = 0
            for i in from..<(from + count) {
                guard chars[i] >= 48, chars[i] <= 57 else { return nil }
                value = value * 10 + Int(chars[i] - 48)
            }
            return value
        }
        guard chars.count >= 20, let year = number(0, 4), chars[4] == UInt8(ascii: "-"), let month = number(5, 2), chars[7] == UInt8(ascii: "-"),
              let day = number(8, 2), chars[10] == UInt8(ascii: "T"), let hour = number(11, 2), chars[13] == UInt8(ascii: ":"),
              let minute = number(14, 2), chars[16] == UInt8(ascii: ":"), let second = number(17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CivilTime.daysInMonth(year: year, month: month), hour < 24, minute < 60, second < 60 else { return nil }
        var index = 19
        var nanos = 0
        if index < chars.count, chars[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                if digits < 9 { nanos = nanos * 10 + Int(chars[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 9)..<9 { nanos *= 10 }
        }
        guard index < chars.count else { return nil }
        var offset = 0
        if chars[index] == UInt8(ascii: "Z") {
            index += 1
        } else if chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") {
            let sign = chars[index] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = number(index + 1, 2), index + 3 < chars.count, chars[index + 3] == UInt8(ascii: ":"), let om = number(index + 4, 2),
                  oh < 24, om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
            index += 6
        } else {
            return nil
        }
        guard index == chars.count else { return nil }
        let local = CivilTime.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return CELTimestamp(seconds: Int64(local - offset), nanos: Int32(nanos), offsetSeconds: Int32(offset))
    }

    /// RFC 3339 with the fraction trimmed of trailing zeros, in the offset it was written with.
    public var rfc3339: String { format(offset: Int(offsetSeconds)) }

    /// RFC 3339 in UTC.
    public var rfc3339UTC: String { format(offset: 0) }

    private func format(offset: Int) -> String {
        let civil = CivilTime(seconds: seconds + Int64(offset))
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var out = "\(pad(civil.year, 4))-\(pad(civil.month, 2))-\(pad(civil.day, 2))T\(pad(civil.hour, 2)):\(pad(civil.minute, 2)):\(pad(civil.second, 2))"
        if nanos > 0 {
            var fraction = pad(Int(nanos), 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            out += "." + fraction
        }
        if offset == 0 { return out + "Z" }
        let sign = offset < 0 ? "-" : "+"
        return out + "\(sign)\(pad(abs(offset) / 3600, 2)):\(pad(abs(offset) % 3600 / 60, 2))"
    }

    public func adding(_ duration: CELDuration) -> CELTimestamp? {
        let (secs, nanos) = duration.split
        var total = Int64(self.nanos) + Int64(nanos)
        var carry: Int64 = 0
        if total >= 1_000_000_000 { total -= 1_000_000_000; carry = 1 }
        if total < 0 { total += 1_000_000_000; carry = -1 }
        let (partial, overflow) = seconds.addingReportingOverflow(secs)
        guard !overflow else { return nil }
        let (sum, overflow2) = partial.addingReportingOverflow(carry)
        guard !overflow2 else { return nil }
        return CELTimestamp(seconds: sum, nanos: Int32(total), offsetSeconds: offsetSeconds)
    }

    public func difference(_ other: CELTimestamp) -> CELDuration? {
        let (secs, o1) = seconds.subtractingReportingOverflow(other.seconds)
        guard !o1 else { return nil }
        let (scaled, o2) = secs.multipliedReportingOverflow(by: 1_000_000_000)
        guard !o2 else { return nil }
        let (total, o3) = scaled.addingReportingOverflow(Int64(nanos) - Int64(other.nanos))
        guard !o3 else { return nil }
        return CELDuration(nanoseconds: total)
    }
}

/// A signed span of time in nanoseconds (±292 years).
public struct CELDuration: Sendable, Hashable, Comparable {
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public static func < (a: CELDuration, b: CELDuration) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Whole seconds and the remaining nanoseconds, both with the duration's sign.
    var split: (Int64, Int64) { (nanoseconds / 1_000_000_000, nanoseconds % 1_000_000_000) }

    /// Go's duration syntax: `1h30m`, `-1.5h`, `250ms`, `1us` (also µs, μs), `0`.
    public static func parse(_ text: String) -> CELDuration? {
        var chars = Array(text.unicodeScalars)
        var negative = false
        if let first = chars.first, first == "-" || first == "+" {
            negative = first == "-"
            chars.removeFirst()
        }
        if chars.count == 1, chars[0] == "0" { return CELDuration(nanoseconds: 0) }
        guard !chars.isEmpty else { return nil }
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 6e10), ("h", 3.6e12)]
        var total: Decimal = 0
        var index = 0
        while index < chars.count {
            var whole = ""
            while index < chars.count, ("0"..."9").contains(chars[index]) { whole.unicodeScalars.append(chars[index]); index += 1 }
            var fraction = ""
            if index < chars.count, chars[index] == "." {
                index += 1
                while index < chars.count, ("0"..."9").contains(chars[index]) { fraction.unicodeScalars.append(chars[index]); index += 1 }
            }
            guard !(whole.isEmpty && fraction.isEmpty) else { return nil }
            var unit = ""
            while index < chars.count, !("0"..."9").contains(chars[index]), chars[index] != "." { unit.unicodeScalars.append(chars[index]); index += 1 }
            guard let factor = units.first(where: { $0.0 == unit })?.1 else { return nil }
            guard let number = Decimal(string: (whole.isEmpty ? "0" : whole) + "." + (fraction.isEmpty ? "0" : fraction)) else { return nil }
            total += number * Decimal(factor)
        }
        let limit = Decimal(Int64.max)
        guard total <= limit else { return nil }
        var rounded = Decimal()
        var value = total
        NSDecimalRound(&rounded, &value, 0, .down)
        let nanos = (rounded as NSDecimalNumber).int64Value
        return CELDuration(nanoseconds: negative ? -nanos : nanos)
    }

    /// Seconds with the shortest exact decimal and an `s`: `5400s`, `60.001s`, `-0.5s`.
    public var description: String {
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        let whole = magnitude / 1_000_000_000
        var fraction = String(magnitude % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + String(whole) + (fraction.isEmpty ? "" : "." + fraction) + "s"
    }
}

/// Proleptic Gregorian calendar arithmetic in whole seconds (no time zones, no leap seconds).
struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    /// 0 = Sunday.
    var weekday: Int
    /// 0-based.
    var dayOfYear: Int

    init(seconds: Int64) {
        let days = Int(seconds.floorDivided(by: 86_400))
        let rest = Int(seconds - Int64(days) * 86_400)
        hour = rest / 3600
        minute = rest % 3600 / 60
        second = rest % 60
        // Days to civil date (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = month <= 2 ? y + 1 : y
        weekday = ((days % 7) + 11) % 7
        dayOfYear = Self.daysBefore(year: year, month: month) + day - 1
    }

    static func seconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86_400 + hour * 3600 + minute * 60 + second
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysInMonth(year: Int, month: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    static func daysBefore(year: Int, month: Int) -> Int {
        (1..<month).reduce(0) { $0 + daysInMonth(year: year, month: $1) }
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}

/// Time-zone arguments of the timestamp accessors: `UTC`, an IANA name, or a fixed offset `[+-]HH:MM`.
enum TimeZoneArgument {
    static func offset(_ zone: String, at timestamp: CELTimestamp) -> Int? {
        if zone.isEmpty || zone == "UTC" { return 0 }
        if zone.contains(":") {
            var text = Substring(zone)
            var sign = 1
            if text.first == "-" { sign = -1; text = text.dropFirst() } else if text.first == "+" { text = text.dropFirst() }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), hours >= 0, (0..<60).contains(minutes), parts[1].count == 2 else {
                return nil
            }
            return sign * (hours * 3600 + minutes * 60)
        }
        guard let zone = TimeZone(identifier: zone) else { return nil }
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(timestamp.seconds)))
    }
}
