import Foundation

/// The `jobs` block: workers, retries, queues and schedules of the job queue.
public struct JobsSettings: BlockSettings {
    /// `queue <name> { … }`.
    public struct QueueSettings: BlockSettings {
        public var concurrency: Int
        public init(concurrency: Int) { self.concurrency = concurrency }
        public init(from reader: SettingsReader) {
            concurrency = reader.value("concurrency", default: 4, doc: "Jobs of this queue one process runs at once.",
                                       check: { (1...256).contains($0) ? nil : "must be between 1 and 256" })
        }
    }

    /// `schedule <name> { … }`.
    public struct ScheduleSettings: BlockSettings {
        public var cron: CronExpression?
        public var every: Swift.Duration?
        public var job: String
        public var queue: String?
        public var payload: String

        public init(from reader: SettingsReader) {
            cron = reader.optional("cron", doc: "When to run, as a cron expression in UTC.")
            every = reader.optional("every", doc: "Or: run at this fixed interval.")
            job = reader.required("job", doc: "The job kind to enqueue.")
            queue = reader.optional("queue", doc: "Queue to use instead of the job kind's own.")
            payload = reader.value("payload", default: "{}", doc: "JSON object given to the job.", check: { text in
                (try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))) == nil ? "must be a JSON object" : nil
            })
            if (cron == nil) == (every == nil) {
                reader.fail(cron == nil ? "job" : "every", "a schedule needs exactly one of 'cron' and 'every'",
                            help: "write cron \"0 3 * * *\" or every 15m")
            }
            if let every, every < .seconds(1) { reader.fail("every", "schedules run at most once a second") }
        }

        var trigger: Schedule.Trigger { cron.map { .cron($0) } ?? .every(every ?? .seconds(3600)) }
        var payloadValue: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(payload.utf8))) ?? [:] }
    }

    public var workers: Bool
    public var pollInterval: Swift.Duration
    public var lease: Swift.Duration
    public var maxAttempts: Int
    public var backoffBase: Swift.Duration
    public var backoffMax: Swift.Duration
    public var shutdownTimeout: Swift.Duration
    public var retention: Swift.Duration
    public var defaultConcurrency: Int
    public var queues: [String: QueueSettings]
    public var schedules: [Schedule]

    public init(from reader: SettingsReader) {
        workers = reader.value("workers", default: true,
                               doc: "Run job workers, the event dispatcher and the scheduler inside `lintel serve` (`lintel worker` always does).")
        pollInterval = reader.value("poll_interval", default: .seconds(1),
                                    doc: "How often idle workers look for jobs enqueued by other processes (this process wakes them at once).")
        lease = reader.value("lease", default: .seconds(30),
                             doc: "How long a claimed job stays claimed without a heartbeat; a job whose worker died runs again after this.",
                             check: { $0 >= .seconds(3) ? nil : "must be at least 3s" })
        maxAttempts = reader.value("max_attempts", default: 5, doc: "Runs before a failing job is dead-lettered, unless its kind says otherwise.",
                                   check: { (1...100).contains($0) ? nil : "must be between 1 and 100" })
        backoffBase = reader.value("backoff_base", default: .seconds(5), doc: "Delay before the first retry; it doubles each attempt (with jitter).")
        backoffMax = reader.value("backoff_max", default: .seconds(3600), doc: "Longest delay between retries.")
        shutdownTimeout = reader.value("shutdown_timeout", default: .seconds(20),
                                       doc: "On shutdown, how long running jobs may finish before they are released to run again elsewhere.")
        retention = reader.value("retention", default: .seconds(7 * 86_400), doc: "How long succeeded jobs are kept (dead letters stay until handled).")
        defaultConcurrency = reader.value("concurrency", default: 4, doc: "Concurrency of queues without their own block.",
                                          check: { (1...256).contains($0) ? nil : "must be between 1 and 256" })
        queues = Dictionary(uniqueKeysWithValues: reader.namedBlocks("queue", doc: "Settings of one queue.").map { ($0.name, $0.settings as QueueSettings) })
        schedules = reader.namedBlocks("schedule", doc: "A job enqueued periodically, once per period across all processes.")
            .map { (entry: (name: String, position: SourcePosition, settings: ScheduleSettings)) in
                Schedule(entry.name, entry.settings.trigger, kind: entry.settings.job, payload: entry.settings.payloadValue, queue: entry.settings.queue)
            }
    }

    /// How many jobs of `queue` one process runs at once.
    public func concurrency(of queue: String) -> Int { queues[queue]?.concurrency ?? defaultConcurrency }
}
