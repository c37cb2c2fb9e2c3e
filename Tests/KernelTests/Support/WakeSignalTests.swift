import Kernel
import Testing

/// The signal job workers, event dispatchers and the policy watcher sleep on between polls.
@Suite("wake signal", .timeLimit(.minutes(1)))
struct WakeSignalTests {
    @Test func aSignalSentWhileLoopsWereBusyWakesEveryOneOfThem() async {
        let signal = WakeSignal()
        // Two loops read the count, then go looking for work; meanwhile one signal is sent.
        let seenByFirst = signal.count
        let seenBySecond = signal.count
        signal.signal()
        // Each of them returns at once when it comes to wait, not after its poll interval.
        #expect(await signal.wait(after: seenByFirst, timeout: .seconds(600)))
        #expect(await signal.wait(after: seenBySecond, timeout: .seconds(600)))
        // A loop that has seen that signal waits for the next one.
        #expect(await signal.wait(after: signal.count, timeout: .milliseconds(20)) == false)
    }

    @Test func everyWaiterIsWokenByOneSignal() async {
        let signal = WakeSignal()
        let seen = signal.count
        async let first = signal.wait(after: seen, timeout: .seconds(600))
        async let second = signal.wait(after: seen, timeout: .seconds(600))
        signal.signal()
        let woken = await [first, second]
        #expect(woken == [true, true])
    }

    @Test func aCancelledWaitReturnsWithoutASignal() async {
        let signal = WakeSignal()
        let waiting = Task { await signal.wait(after: signal.count, timeout: .seconds(600)) }
        waiting.cancel()
        #expect(await waiting.value == false)
    }
}
