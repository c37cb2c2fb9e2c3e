/// Thrown by `withTimeout` when the deadline passes first.
public struct TimeoutError: Error, CustomStringConvertible {
    public let duration: Swift.Duration
    public var description: String { "timed out after \(duration.configDescription)" }
}

/// Runs `body`, giving up (and cancelling it) after `duration`.
public func withTimeout<T: Sendable>(_ duration: Swift.Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw TimeoutError(duration: duration)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
