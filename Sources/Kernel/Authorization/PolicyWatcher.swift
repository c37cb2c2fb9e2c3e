import Dispatch
import Foundation
import Logging
import Metrics
import NIOPosix
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

    /// The files as they were when the running set was read.
    let loadedFingerprint: String

    init(engine: PolicyEngine, directory: String, loadedFingerprint: String, interval: Swift.Duration, logger: Logger) {
        self.engine = engine
        self.directory = directory
        self.loadedFingerprint = loadedFingerprint
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
        await cancelWhenGracefulShutdown { await self.watch() }
    }

    // Walking the directory and compiling policies is blocking work: it runs on NIO's thread pool, never on
    // the threads that serve requests.

    private func watch() async {
        let directory = self.directory
        let fingerprintNow: @Sendable () async -> String? = {
            try? await NIOThreadPool.singleton.runIfActive { PolicyLoader.fingerprint(directory: directory) }
        }
        // Compared with the files as they were loaded, not as they are once this task first runs: a change
        // made in between is a change.
        var fingerprint: String? = loadedFingerprint
        // With watching off only SIGHUP wakes the loop.
        let pause = interval > .zero ? interval : .seconds(3600)
        var seen = wake.count
        while !Task.isCancelled {
            await wake.wait(after: seen, timeout: pause)
            seen = wake.count
            if Task.isCancelled { return }
            let force = forced.exchange(false, ordering: .relaxed)
            let current = await fingerprintNow()
            guard force || (interval > .zero && current != fingerprint) else { continue }
            fingerprint = current
            await reload(reason: force ? "signal" : "change")
        }
    }

    /// Compiles the directory and swaps the new set in; on any problem the running set stays.
    private func reload(reason: String) async {
        let start = ContinuousClock.now
        let directory = self.directory
        do {
            let policies = try await NIOThreadPool.singleton.runIfActive { try PolicyLoader.load(directory: directory) }
            engine.replace(policies)
            Counter(label: "lintel_policy_reloads_total", dimensions: [("outcome", "ok")]).increment()
            logger.info("policies reloaded", metadata: [
                "reason": .string(reason), "policies": .stringConvertible(policies.count),
                "duration_ms": .string(String(format: "%.1f", (ContinuousClock.now - start).timeInterval * 1000)),
            ])
        } catch {
            Counter(label: "lintel_policy_reloads_total", dimensions: [("outcome", "failed")]).increment()
            let problems = (error as? PolicyLoadError)?.problems.map(\.description) ?? ["\(error)"]
            logger.error("policies not reloaded; the previous set keeps serving", metadata: [
                "reason": .string(reason), "problems": .array(problems.map { .string($0) }),
            ])
        }
    }
}
