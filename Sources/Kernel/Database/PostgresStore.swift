import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import Synchronization

/// PostgreSQL behind `Database`: a `PostgresClient` pool; every reader and writer is a pooled connection.
///
/// The pool waits indefinitely for a connection while the server is down; callers here wait at most
/// `connect_timeout` and then get `DatabaseUnavailable` — and a body whose caller gave up never runs.
final class PostgresStore: DatabaseStore {
    /// No connection could be had within `connect_timeout`.
    struct DatabaseUnavailable: Error, CustomStringConvertible {
        let timeout: Swift.Duration
        var description: String { "no PostgreSQL connection within \(timeout.configDescription) (is the server up?)" }
    }

    let dialect = Database.Dialect.postgres
    let client: PostgresClient
    private let logger: Logger
    private let connectTimeout: Swift.Duration
    /// The pool runs from open to close, so the database works the same in `serve`, CLI commands and tests.
    private let runner: Task<Void, Never>

    init(location: DatabaseURL.PostgresLocation, settings: DatabaseSettings, logger: Logger) {
        var tls = PostgresClient.Configuration.TLS.disable
        if location.tls {
            tls = .require(TLSConfiguration.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: location.host, port: location.port, username: location.user,
                                                         password: location.password, database: location.database, tls: tls)
        configuration.options.maximumConnections = settings.poolSize
        configuration.options.connectTimeout = settings.connectTimeout
        configuration.options.additionalStartupParameters = [("application_name", "lintel"), ("TimeZone", "UTC")]
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.connectTimeout = settings.connectTimeout
        self.runner = Task { await client.run() }
    }

    func withReader<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let lease = Lease<T>()
        let client = self.client
        let timeout = connectTimeout
        let work = Task {
            do {
                try await client.withConnection { connection in
                    guard lease.begin() else { return }
                    do {
                        lease.finish(.success(try await body(connection.sql(queryLogLevel: .trace))))
                    } catch {
                        lease.finish(.failure(error))
                    }
                }
            } catch {
                lease.finish(.failure(error))
            }
        }
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            if lease.abandon(with: DatabaseUnavailable(timeout: timeout)) { work.cancel() }
        }
        defer { watchdog.cancel() }
        return try await withTaskCancellationHandler {
            try await lease.result()
        } onCancel: {
            // A cancelled caller (shutdown) stops waiting even for a running body: a query on a connection
            // whose server died can hang; the work is cancelled too and its transaction never commits.
            if lease.abandon(with: CancellationError(), evenIfRunning: true) { work.cancel() }
        }
    }

    func withWriter<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withReader(body)
    }

    func close() async {
        runner.cancel()
        // The pool may keep retrying a dead server for a while after cancellation; do not hang on it.
        let runner = self.runner
        _ = try? await withTimeout(.seconds(5)) { await runner.value }
    }
}

/// One connection request: it starts the caller's body at most once, and only if the caller has not
/// given up (timeout or cancellation) by the time a connection arrives.
private final class Lease<T: Sendable>: Sendable {
    private enum State {
        case waiting(CheckedContinuation<T, any Error>?)
        case running(CheckedContinuation<T, any Error>?)
        case done(Result<T, any Error>)
    }
    private let state = Mutex<State>(.waiting(nil))

    /// Called with a connection in hand; `false` when the caller already gave up.
    func begin() -> Bool {
        state.withLock { state in
            guard case .waiting(let continuation) = state else { return false }
            state = .running(continuation)
            return true
        }
    }

    func finish(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            switch state {
            case .waiting(let continuation), .running(let continuation):
                state = .done(result)
                return continuation
            case .done:
                return nil
            }
        }
        continuation?.resume(with: result)
    }

    /// Gives up while still waiting for a connection (or, with `evenIfRunning`, while the body runs);
    /// `false` when it had already finished.
    func abandon(with error: any Error, evenIfRunning: Bool = false) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>?? in
            switch state {
            case .waiting(let continuation):
                state = .done(.failure(error))
                return .some(continuation)
            case .running(let continuation) where evenIfRunning:
                state = .done(.failure(error))
                return .some(continuation)
            default:
                return .none
            }
        }
        guard let waiting = continuation else { return false }
        waiting?.resume(throwing: error)
        return true
    }

    func result() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<T, any Error>? in
                switch state {
                case .waiting: state = .waiting(continuation); return nil
                case .running: state = .running(continuation); return nil
                case .done(let result): return result
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
