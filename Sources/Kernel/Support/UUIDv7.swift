import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UUID {
    private struct Generator {
        var millis: UInt64 = 0
        var counter: UInt16 = 0
        /// Bytes from the system generator, taken 512 at a time: one `getrandom` per 32–64 ids (an id in a
        /// new millisecond also draws its counter's start) instead of one or two per id.
        var pool = [UInt8](repeating: 0, count: 512)
        var used = 512

        mutating func random64() -> UInt64 {
            if used + 8 > pool.count {
                pool.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }  // the kernel's generator (getrandom)
                used = 0
            }
            defer { used += 8 }
            return pool.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: used, as: UInt64.self) }
        }
    }

    private static let generator = Mutex(Generator())

    /// A time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds, then random bits, with a
    /// 12-bit counter so ids made in the same millisecond by this process still sort in creation order.
    public static func v7(now: Date = Date()) -> UUID {
        let wall = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let (millis, counter, random) = generator.withLock { state -> (UInt64, UInt16, UInt64) in
            if wall > state.millis {
                state.millis = wall
                state.counter = UInt16(truncatingIfNeeded: state.random64()) & 0x3FF
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                state.millis += 1
                state.counter = 0
            }
            return (state.millis, state.counter, state.random64())
        }
        func byte(_ value: UInt64, _ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: value >> shift) }
        return UUID(uuid: (byte(millis, 40), byte(millis, 32), byte(millis, 24), byte(millis, 16), byte(millis, 8), byte(millis, 0),
                           0x70 | UInt8((counter >> 8) & 0x0F), UInt8(truncatingIfNeeded: counter),
                           0x80 | (byte(random, 0) & 0x3F), byte(random, 8), byte(random, 16), byte(random, 24),
                           byte(random, 32), byte(random, 40), byte(random, 48), byte(random, 56)))
    }
}
