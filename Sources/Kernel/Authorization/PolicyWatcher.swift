import Dispatch
import Foundation
import Logging
import Metrics
import Policy
import ServiceLifecycle
import Synchronization

/// Reloads the policies without a restart: when a file under the directory changes (polled every
/// `authorization { watch }`) or on SIGHUP. The new set is compiled completely, then swapped in
/// atomically; a set that does not compile is logged with every problem and the running one keeps
/// serving. Counts `lintel_policy_reloads_total{outcome}`.
final class PolicyWatcher: Service {
    let engine: PolicyEngine
    let directory: String
    let interval: Swift.Duration
    let logger: Logger
    private let wake = WakeSignal()
    private let forced = Atomic<Bool>(false)

    init(engine: PolicyEngine, directory: String, interval: Swift.Duration, logger: Logger) {
        self.engine = engine
        self.directory = directory
        self.interval = interval
        self.logger = logger
    }

    /// Reloads at the next opportunity even if no file changed.
    func requestReload() {
        forced.store(true, ordering: .relaxed)
        wake.signal()
    }

    func run() async throws {
        #if canImport(Darwin)
        // Darwin delivers to dispatch sources through kqueue only when the signal is ignored; on Linux,
        // dispatch takes the signal over itself.
        signal(SIGHUP, SIG_IGN)
        #endif
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { [weak self] in self?.requestReload() }
        source.resume()
        defer { source.cancel() }
        try? await cancelWhenGracefulShutdown { await self.watch() }
    }

    private func watch() async {
        var fingerprint = PolicyLoader.fingerprint(directory: directory)
        // With watching off only SIGHUP wakes the loop.
        let pause = interval > .zero ? interval : .seconds(3600)
        while !Task.isCancelled {
            await wake.wait(timeout: pause)
            if Task.isCancelled { return }
            let force = forced.exchange(false, ordering: .relaxed)
            let current = PolicyLoader.fingerprint(directory: directory)
            guard force || (interval > .zero && current != fingerprint) else { continue }
            fingerprint = current
            reload(reason: force ? "signal" : "change")
        }
    }

    /// Compiles and swaps; true when the new set is serving.
    @discardableResult
    func reload(reason: String) -> Bool {
        let start = ContinuousClock.now
        do {
            let policies = try engine.reload(directory: directory)
            Counter(label: "lintel_policy_reloads_total", dimensions: [("outcome", "ok")]).increment()
            logger.info("policies reloaded", metadata: [
                "reason": .string(reason), "policies": .stringConvertible(policies.count),
                "duration_ms": .string(String(format: "%.1f", (ContinuousClock.now - start).timeInterval * 1000)),
            ])
            return true
        } catch {
            Counter(label: "lintel_policy_reloads_total", dimensions: [("outcome", "failed")]).increment()
            logger.error("policies not reloaded; the previous set keeps serving", metadata: [
                "reason": .string(reason), "problems": .array(error.problems.map { .string($0.description) }),
            ])
            return false
        }
    }
}
