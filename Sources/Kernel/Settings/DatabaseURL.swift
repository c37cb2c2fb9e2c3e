import Foundation

/// Where the database is: `sqlite://relative/path.sqlite3`, `sqlite:///absolute/path`, `sqlite://:memory:`
/// or `postgres://user:password@host:port/name` (`postgresql://` also accepted).
public enum DatabaseURL: ConfigValue, Equatable {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// The parts of a PostgreSQL URL.
    public struct PostgresLocation: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String?
        public var database: String
        public var tls: Bool

        public init(host: String, port: Int, user: String, password: String?, database: String, tls: Bool) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
            self.tls = tls
        }
    }

    public static var expectation: String { "sqlite://path/to/file.sqlite3 or postgres://user:password@host:port/database" }

    public static func parse(configText: String) -> Result<DatabaseURL, ConfigValueError> {
        if configText.hasPrefix("sqlite://") {
            let path = String(configText.dropFirst("sqlite://".count))
            guard !path.isEmpty else { return .failure(ConfigValueError("missing the file path", help: "write sqlite://data/lintel.sqlite3")) }
            return .success(.sqlite(path: path))
        }
        guard let components = URLComponents(string: configText), let scheme = components.scheme?.lowercased() else {
            return .failure(ConfigValueError("not a database URL"))
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            return .failure(ConfigValueError("unsupported database '\(scheme)'", help: "use sqlite://… or postgres://…"))
        }
        guard let host = components.host, !host.isEmpty else { return .failure(ConfigValueError("the URL has no host")) }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { return .failure(ConfigValueError("the URL names no database", help: "end it with /database_name")) }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let sslmode = query["sslmode"] ?? "disable"
        guard ["disable", "require", "verify-full"].contains(sslmode) else {
            return .failure(ConfigValueError("unsupported sslmode '\(sslmode)'", help: "use sslmode=disable, require or verify-full"))
        }
        return .success(.postgres(PostgresLocation(
            host: host, port: components.port ?? 5432,
            user: components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres",
            password: components.percentEncodedPassword.flatMap { $0.removingPercentEncoding },
            database: database, tls: sslmode != "disable")))
    }

    /// The URL with the password masked.
    public var configDescription: String {
        switch self {
        case .sqlite(let path): return "sqlite://\(path)"
        case .postgres(let p):
            let auth = p.password == nil ? p.user : "\(p.user):********"
            return "postgres://\(auth)@\(p.host):\(p.port)/\(p.database)\(p.tls ? "?sslmode=require" : "")"
        }
    }

    public static var placeholder: DatabaseURL { .sqlite(path: "data/lintel.sqlite3") }

    public var isSQLite: Bool { if case .sqlite = self { true } else { false } }
}
