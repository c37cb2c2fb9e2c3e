/// The `database <url> { … }` block.
public struct DatabaseSettings: BlockSettings {
    public var url: DatabaseURL
    public var autoMigrate: Bool
    public var poolSize: Int
    public var busyTimeout: Swift.Duration
    public var connectTimeout: Swift.Duration

    public init(url: DatabaseURL, autoMigrate: Bool? = nil, poolSize: Int = 10, busyTimeout: Swift.Duration = .seconds(5), connectTimeout: Swift.Duration = .seconds(10)) {
        self.url = url
        self.autoMigrate = autoMigrate ?? url.isSQLite
        self.poolSize = poolSize
        self.busyTimeout = busyTimeout
        self.connectTimeout = connectTimeout
    }

    public init(from reader: SettingsReader) {
        url = reader.argument("url", default: .sqlite(path: "data/lintel.sqlite3"),
                              doc: "sqlite://path (default, created on first start) or postgres://user:password@host:port/db")
        autoMigrate = reader.value("auto_migrate", default: url.isSQLite,
                                   doc: "Apply pending migrations when `lintel serve` starts (default: on for SQLite, off for PostgreSQL).")
        let password: Secret? = reader.optional("password", doc: "PostgreSQL password, kept out of the URL (POSTGRES_PASSWORD).")
        if let password, case .postgres(var location) = url {
            location.password = password.value
            url = .postgres(location)
        }
        poolSize = reader.value("pool_size", default: 10, doc: "Most connections held open per process.",
                                check: { (1...500).contains($0) ? nil : "must be between 1 and 500" })
        busyTimeout = reader.value("busy_timeout", default: .seconds(5), doc: "SQLite: how long a write waits for a lock before failing.")
        connectTimeout = reader.value("connect_timeout", default: .seconds(10), doc: "PostgreSQL: how long to wait for a connection.")
    }
}
