import CArgon2
import Foundation
import Kernel
import NIOPosix

/// Argon2id through the reference C library (libargon2), stored as PHC strings
/// (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
///
/// A hash costs tens of milliseconds and `memory` of RAM, so it runs on the thread pool, never on an
/// event loop, and at most `concurrency` run at once: a flood of logins queues instead of exhausting
/// memory or starving the pool.
public final class PasswordHasher: Sendable {
    public struct Parameters: Sendable, Equatable {
        /// KiB.
        public var memory: UInt32
        public var iterations: UInt32
        public var parallelism: UInt32

        public init(memory: UInt32, iterations: UInt32, parallelism: UInt32) {
            self.memory = memory
            self.iterations = iterations
            self.parallelism = parallelism
        }

        /// OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane.
        public static let owasp = Parameters(memory: 19 * 1024, iterations: 2, parallelism: 1)
    }

    public enum Outcome: Sendable, Equatable {
        case mismatch
        case match
        /// The password is right and the stored hash used other parameters: store `rehash`.
        case matchNeedsRehash(rehash: String)
    }

    public let parameters: Parameters
    private let slots: AsyncSemaphore
    /// A hash of a random password, verified when there is no account, so an unknown address costs as
    /// much time as a known one.
    private let dummy: String

    public init(parameters: Parameters, concurrency: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)) throws {
        self.parameters = parameters
        slots = AsyncSemaphore(permits: concurrency)
        dummy = try Self.hashNow(UUID().uuidString, parameters: parameters)
    }

    /// A PHC string for `password` with the configured parameters and a fresh 16-byte salt.
    public func hash(_ password: String) async throws -> String {
        let parameters = parameters
        return try await limited { try Self.hashNow(password, parameters: parameters) }
    }

    /// Checks `password` against `encoded` (constant time inside libargon2). A malformed stored hash is a
    /// mismatch, never a match.
    public func verify(_ password: String, against encoded: String) async throws -> Outcome {
        let parameters = parameters
        return try await limited {
            guard Self.verifyNow(password, encoded: encoded) else { return .mismatch }
            if Self.parameters(of: encoded) == parameters { return .match }
            return .matchNeedsRehash(rehash: try Self.hashNow(password, parameters: parameters))
        }
    }

    /// Spends what a verification costs, and fails: for unknown accounts.
    public func verifyDummy(_ password: String) async throws {
        let dummy = dummy
        _ = try await limited { Self.verifyNow(password, encoded: dummy) }
    }

    private func limited<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        await slots.wait()
        defer { slots.signal() }
        return try await NIOThreadPool.singleton.runIfActive(work)
    }

    // MARK: libargon2

    struct Failure: Error, CustomStringConvertible {
        let code: Int32
        var description: String { "argon2: " + String(cString: argon2_error_message(code)) }
    }

    static func hashNow(_ password: String, parameters: Parameters) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = generator.next() }
        let hashLength = 32
        let length = argon2_encodedlen(parameters.iterations, parameters.memory, parameters.parallelism, UInt32(salt.count),
                                       UInt32(hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: length)
        let bytes = Array(password.utf8)
        let code = argon2id_hash_encoded(parameters.iterations, parameters.memory, parameters.parallelism, bytes, bytes.count,
                                         salt, salt.count, hashLength, &encoded, length)
        guard code == ARGON2_OK.rawValue else { throw Failure(code: code) }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func verifyNow(_ password: String, encoded: String) -> Bool {
        // Django stores `argon2$argon2id$…`: the PHC string after the algorithm prefix.
        let phc = encoded.hasPrefix("argon2$") ? String(encoded.dropFirst("argon2".count)) : encoded
        guard phc.hasPrefix("$argon2id$") else { return false }
        let bytes = Array(password.utf8)
        return argon2id_verify(phc, bytes, bytes.count) == ARGON2_OK.rawValue
    }

    /// The `m`, `t` and `p` of a PHC string.
    static func parameters(of encoded: String) -> Parameters? {
        guard let field = encoded.split(separator: "$").first(where: { $0.hasPrefix("m=") }) else { return nil }
        var values: [Substring: UInt32] = [:]
        for pair in field.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = UInt32(parts[1]) { values[parts[0]] = value }
        }
        guard let m = values["m"], let t = values["t"], let p = values["p"] else { return nil }
        return Parameters(memory: m, iterations: t, parallelism: p)
    }
}
