import Foundation
import Logging
import SQLKit

/// A unit of background work as a handler sees it.
public struct Job: Sendable {
    public let id: UUID
    public let kind: String
    public let queue: String
    public let payload: JSONValue
    /// 1 on the first run.
    public let attempt: Int
    public let maxAttempts: Int
    public let createdAt: Date

    /// The payload decoded into `T` (snake_case keys, as the API).
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONCoding.decoder.decode(T.self, from: JSONCoding.encoder.encode(payload))
    }
}

/// What a job handler is given besides the job.
public struct JobContext: Sendable {
    public let database: Database
    public let jobs: JobQueue
    public let events: EventBus
    public let logger: Logger
}

/// A kind of job a plugin (or the Kernel) knows how to run.
public struct JobDefinition: Sendable {
    /// Dotted name, e.g. `mail.send`, `webhooks.deliver`.
    public var kind: String
    /// Queue used when an enqueue does not name one.
    public var queue: String
    /// Runs before the job is dead-lettered (default: `jobs { max_attempts }`).
    public var maxAttempts: Int?
    /// Longest one run may take; a run that takes longer fails (and is retried).
    public var timeout: Swift.Duration
    public var run: @Sendable (Job, JobContext) async throws -> Void

    public init(_ kind: String, queue: String = "default", maxAttempts: Int? = nil, timeout: Swift.Duration = .seconds(300),
                run: @escaping @Sendable (Job, JobContext) async throws -> Void) {
        self.kind = kind
        self.queue = queue
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.run = run
    }
}

/// A job's row, for monitoring and the dead-letter API.
public struct JobRecord: Sendable, Codable {
    public enum State: String, Sendable, Codable {
        case queued, running, succeeded, dead
    }

    /// One failed run.
    public struct Failure: Sendable, Codable, Equatable {
        public var attempt: Int
        public var at: Date
        public var error: String
        public var worker: String?
    }

    public var id: UUID
    public var kind: String
    public var queue: String
    public var state: State
    public var payload: JSONValue
    public var priority: Int
    public var runAt: Date
    public var attempts: Int
    public var maxAttempts: Int
    public var dedupKey: String?
    public var lastError: String?
    public var history: [Failure]
    public var createdAt: Date
    public var finishedAt: Date?
}

/// A periodic job: by cron expression or fixed interval.
public struct Schedule: Sendable {
    public enum Trigger: Sendable, Equatable {
        case cron(CronExpression)
        case every(Swift.Duration)

        /// Stored with the schedule so a changed trigger takes effect.
        var spec: String {
            switch self {
            case .cron(let expression): return "cron \(expression.description)"
            case .every(let interval): return "every \(interval.configDescription)"
            }
        }

        func next(after date: Date) -> Date? {
            switch self {
            case .cron(let expression): return expression.next(after: date)
            case .every(let interval): return date.addingTimeInterval(max(1, interval.timeInterval))
            }
        }
    }

    /// Unique name; one run per period across every process.
    public var name: String
    public var trigger: Trigger
    public var kind: String
    public var payload: JSONValue
    public var queue: String?

    public init(_ name: String, _ trigger: Trigger, kind: String, payload: JSONValue = [:], queue: String? = nil) {
        self.name = name
        self.trigger = trigger
        self.kind = kind
        self.payload = payload
        self.queue = queue
    }
}
