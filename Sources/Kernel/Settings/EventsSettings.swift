/// The `events` block: how committed events reach subscribers.
public struct EventsSettings: BlockSettings {
    public var pollInterval: Swift.Duration
    public var batchSize: Int
    public var maxAttempts: Int
    public var retryBase: Swift.Duration
    public var retryMax: Swift.Duration
    public var retention: Swift.Duration
    public var lease: Swift.Duration

    public init(from reader: SettingsReader) {
        pollInterval = reader.value("poll_interval", default: .seconds(1),
                                    doc: "How often subscribers look for events committed by other processes (this process wakes them at once).")
        batchSize = reader.value("batch_size", default: 100, doc: "Events read per query.",
                                 check: { (1...10_000).contains($0) ? nil : "must be between 1 and 10000" })
        maxAttempts = reader.value("max_attempts", default: 8,
                                   doc: "Deliveries of one event to one subscriber before it is set aside (recorded and skipped).",
                                   check: { (1...100).contains($0) ? nil : "must be between 1 and 100" })
        retryBase = reader.value("retry_base", default: .seconds(1), doc: "First retry delay; it doubles each attempt.")
        retryMax = reader.value("retry_max", default: .seconds(60), doc: "Longest retry delay.")
        retention = reader.value("retention", default: .seconds(7 * 86_400), doc: "How long delivered events stay in the outbox.")
        lease = reader.value("lease", default: .seconds(60),
                             doc: "How long one process owns a subscriber before another may take over (renewed while it works).")
    }
}
