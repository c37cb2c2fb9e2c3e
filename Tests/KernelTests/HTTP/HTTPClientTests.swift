import Dispatch
import Hummingbird
import HummingbirdTesting
import Kernel
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Outgoing HTTP (remote Cerbos checks, JWKS refreshes, webhook deliveries) against a real local server.
@Suite("outgoing HTTP")
struct HTTPClientTests {
    final class Gate: Sendable {
        let started = Atomic<Int>(0)
        let released = Atomic<Bool>(false)
        let release = DispatchSemaphore(value: 0)
    }

    static func withPeer<T: Sendable>(_ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("/hello") { _, _ in "hi" }
        router.get("/slow") { _, _ -> String in
            try await Task.sleep(for: .seconds(3))
            return "late"
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: Logger(label: "peer"))
        return try await app.test(.live) { client in try await body(try #require(client.port)) }
    }

    @Test func callsAreAnsweredWhileNIOsBlockingPoolIsBusy() async throws {
        try await Self.withPeer { port in
            // Every thread of NIO's shared blocking pool held, as a burst of password hashes would hold them.
            let threads = System.coreCount
            let gate = Gate()
            let blockers = (0..<threads).map { _ in
                Task { try await NIOThreadPool.singleton.runIfActive { gate.started.add(1, ordering: .relaxed); gate.release.wait() } }
            }
            while gate.started.load(ordering: .relaxed) < threads { try await Task.sleep(for: .milliseconds(5)) }
            // Held until the call is answered, or for five seconds: a call queued behind them would be
            // answered only once they are let go.
            let valve = Task {
                try? await Task.sleep(for: .seconds(5))
                gate.released.store(true, ordering: .sequentiallyConsistent)
                for _ in 0..<threads { gate.release.signal() }
            }
            let response = try await HTTPClient().send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/hello", timeout: .seconds(10)))
            let answeredWhileHeld = !gate.released.load(ordering: .sequentiallyConsistent)
            valve.cancel()
            await valve.value
            for blocker in blockers { try await blocker.value }
            #expect(response.status == 200)
            #expect(response.text == "hi")
            #expect(answeredWhileHeld, "the call waited for the blocking pool")
        }
    }

    @Test func aPeerSlowerThanTheTimeoutIsAnErrorThatSaysSo() async throws {
        try await Self.withPeer { port in
            let error = await #expect(throws: HTTPClientError.self) {
                try await HTTPClient().send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/slow", timeout: .milliseconds(300)))
            }
            #expect(error?.timedOut == true)
        }
    }

    @Test func aRefusedConnectionIsAnErrorThatIsNotATimeout() async throws {
        // A port nothing listens on: taken from the system, then released.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        try await listener.close()
        let error = await #expect(throws: HTTPClientError.self) {
            try await HTTPClient().send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/", timeout: .seconds(5)))
        }
        #expect(error?.timedOut == false)
    }
}
