import Synchronization

/// Wakes waiting loops early (workers after an enqueue, dispatchers after an emit). Signals are counted: a
/// loop reads `count` before it looks for work and then waits `after` it, so a signal sent while it was
/// looking — or while another loop waited on the same signal — is never missed, however many loops share it.
public final class WakeSignal: Sendable {
    private struct State {
        var count = 0
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// Signals sent so far.
    public var count: Int { state.withLock { $0.count } }

    public func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns `true` once a signal has been sent after the `seen` count (at once if one was already),
    /// `false` after `timeout` or when the task is cancelled.
    @discardableResult
    public func wait(after seen: Int, timeout: Swift.Duration) async -> Bool {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let resumeNow = self.state.withLock { state -> Bool in
                            if state.count != seen || Task.isCancelled { return true }
                            state.waiters[id] = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return state.withLock { $0.count != seen }
    }
}
