import Synchronization

/// Thrown by `withTimeout` when the deadline passes first.
public struct TimeoutError: Error, CustomStringConvertible {
    public let duration: Swift.Duration
    public var description: String { "timed out after \(duration.configDescription)" }
}

/// Runs `body`, giving up after `duration`: the caller gets `TimeoutError` at the deadline even if
/// `body` ignores cancellation (a connection attempt to a dead server, say); `body` is cancelled and
/// left to finish on its own.
public func withTimeout<T: Sendable>(_ duration: Swift.Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let work = Task { try await body() }
    let outcome = Outcome<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            outcome.install(continuation)
            let timer = Task {
                try? await Task.sleep(for: duration)
                if outcome.finish(.failure(TimeoutError(duration: duration))) { work.cancel() }
            }
            Task {
                let result = await work.result
                outcome.finish(result)
                // A finished call leaves no timer behind: under load, thousands of sleeping timers would
                // fire long after their calls ended.
                timer.cancel()
            }
        }
    } onCancel: {
        work.cancel()
    }
}

/// Resumes a continuation once, with whichever result arrives first.
private final class Outcome<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, done: Bool)>((nil, false))

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard !state.done else { return nil }
            state.done = true
            return state.continuation
        }
        continuation?.resume(with: result)
        return continuation != nil
    }
}
