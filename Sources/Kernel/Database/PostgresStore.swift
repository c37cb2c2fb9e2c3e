import Logging
import NIOSSL
import PostgresKit
import PostgresNIO

/// PostgreSQL behind `Database`: a `PostgresClient` pool; every reader and writer is a pooled connection.
final class PostgresStore: DatabaseStore {
    let dialect = Database.Dialect.postgres
    let client: PostgresClient
    private let logger: Logger
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
        self.runner = Task { await client.run() }
    }

    func withReader<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await body(connection.sql(queryLogLevel: .trace))
        }
    }

    func withWriter<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withReader(body)
    }

    func close() async {
        runner.cancel()
        await runner.value
    }
}
