/// The Kernel's own schema: the event outbox and subscriber progress, the job queue, the scheduler,
/// worker heartbeats and shared rate-limit state. (The migration ledger itself is created by `Migrator`.)
enum KernelMigrations {
    static let all: [Migration] = [outbox, jobs, scheduler, rateLimits, eventContext]

    static let outbox = Migration(
        "0001_event_outbox",
        sqlite: """
            CREATE TABLE lintel_events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id UUID NOT NULL UNIQUE,
                name TEXT NOT NULL,
                occurred_at TIMESTAMPTZ NOT NULL,
                actor_id TEXT,
                org_id TEXT,
                request_id TEXT,
                payload TEXT NOT NULL
            );
            CREATE INDEX lintel_events_request ON lintel_events (request_id);
            CREATE INDEX lintel_events_occurred ON lintel_events (occurred_at);
            \(subscriberTables)
            """,
        postgres: """
            CREATE TABLE lintel_events (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id UUID NOT NULL UNIQUE,
                name TEXT NOT NULL,
                occurred_at TIMESTAMPTZ NOT NULL,
                actor_id TEXT,
                org_id TEXT,
                request_id TEXT,
                payload TEXT NOT NULL
            );
            CREATE INDEX lintel_events_request ON lintel_events (request_id);
            CREATE INDEX lintel_events_occurred ON lintel_events (occurred_at);
            \(subscriberTables)
            """)

    static let subscriberTables = """
        CREATE TABLE lintel_event_cursors (
            subscriber TEXT PRIMARY KEY,
            last_seq BIGINT NOT NULL,
            leased_by TEXT,
            lease_until TIMESTAMPTZ,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            updated_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE lintel_event_failures (
            subscriber TEXT NOT NULL,
            event_seq BIGINT NOT NULL,
            event_id UUID NOT NULL,
            event_name TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            error TEXT NOT NULL,
            failed_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (subscriber, event_seq)
        );
        """

    static let jobs = Migration("0002_job_queue", sql: """
        CREATE TABLE lintel_jobs (
            id UUID PRIMARY KEY,
            kind TEXT NOT NULL,
            queue TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            run_at TIMESTAMPTZ NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL,
            dedup_key TEXT,
            last_error TEXT,
            history TEXT NOT NULL DEFAULT '[]',
            leased_by TEXT,
            lease_until TIMESTAMPTZ,
            created_at TIMESTAMPTZ NOT NULL,
            started_at TIMESTAMPTZ,
            finished_at TIMESTAMPTZ
        );
        CREATE INDEX lintel_jobs_ready ON lintel_jobs (queue, state, priority, run_at);
        CREATE INDEX lintel_jobs_finished ON lintel_jobs (state, finished_at);
        CREATE UNIQUE INDEX lintel_jobs_dedup ON lintel_jobs (dedup_key) WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running');
        CREATE TABLE lintel_workers (
            id TEXT PRIMARY KEY,
            hostname TEXT NOT NULL,
            pid INTEGER NOT NULL,
            queues TEXT NOT NULL,
            started_at TIMESTAMPTZ NOT NULL,
            last_seen_at TIMESTAMPTZ NOT NULL,
            processed BIGINT NOT NULL DEFAULT 0,
            failed BIGINT NOT NULL DEFAULT 0
        );
        """)

    static let scheduler = Migration("0003_scheduler", sql: """
        CREATE TABLE lintel_schedules (
            name TEXT PRIMARY KEY,
            spec TEXT NOT NULL,
            next_run_ms BIGINT NOT NULL,
            last_run_at TIMESTAMPTZ,
            last_job_id UUID
        );
        """)

    /// Who acted under impersonation, and from where, for the audit trail.
    static let eventContext = Migration("0005_event_context", sql: """
        ALTER TABLE lintel_events ADD COLUMN impersonator_id TEXT;
        ALTER TABLE lintel_events ADD COLUMN client_address TEXT;
        ALTER TABLE lintel_events ADD COLUMN user_agent TEXT
        """)

    static let rateLimits = Migration("0004_rate_limits", sql: """
        CREATE TABLE lintel_rate_limits (
            key TEXT PRIMARY KEY,
            tat DOUBLE PRECISION NOT NULL
        );
        """)
}
