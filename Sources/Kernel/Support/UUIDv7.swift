import Foundation
import Synchronization

extension UUID {
    private static let lastTimestamp = Mutex<(millis: UInt64, counter: UInt16)>((0, 0))

    /// A time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds, then random bits, with a
    /// 12-bit counter so ids made in the same millisecond by this process still sort in creation order.
    public static func v7(now: Date = Date()) -> UUID {
        let wall = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let (millis, counter) = lastTimestamp.withLock { state -> (UInt64, UInt16) in
            if wall > state.millis {
                state = (wall, UInt16.random(in: 0..<0x400))
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                state = (state.millis + 1, 0)
            }
            return state
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8((millis >> (8 * (5 - UInt64(i)))) & 0xFF) }
        bytes[6] = 0x70 | UInt8((counter >> 8) & 0x0F)
        bytes[7] = UInt8(counter & 0xFF)
        // One call to the system generator (a syscall) rather than one per byte.
        let random = UInt64.random(in: .min ... .max)
        for i in 8..<16 { bytes[i] = UInt8(truncatingIfNeeded: random >> (8 * UInt64(i - 8))) }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
