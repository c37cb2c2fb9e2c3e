import Kernel

/// The audit plugin's schema. Entries are append-only: nothing in Lintel updates them, and retention
/// deletes only after archiving (keeping each deleted entry's hash in `audit_pruned`, so the chain and
/// its Merkle trees stay verifiable).
enum AuditMigrations {
    static let all = [entries]

    static let entries = Migration("0001_audit_trail", sql: """
        CREATE TABLE audit_entries (
            id UUID PRIMARY KEY,
            chain TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            occurred_us BIGINT NOT NULL,
            action TEXT NOT NULL,
            resource_type TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            actor_id TEXT,
            org_id TEXT,
            changes TEXT NOT NULL,
            details TEXT NOT NULL,
            request_id TEXT,
            actor_ip TEXT,
            user_agent TEXT,
            impersonator_id TEXT,
            event_id TEXT,
            previous_hash TEXT NOT NULL,
            entry_hash TEXT NOT NULL,
            signature TEXT NOT NULL,
            UNIQUE (chain, sequence)
        );
        CREATE UNIQUE INDEX audit_entries_event ON audit_entries (event_id) WHERE event_id IS NOT NULL;
        CREATE INDEX audit_entries_time ON audit_entries (occurred_us, id);
        CREATE INDEX audit_entries_org ON audit_entries (org_id, occurred_us);
        CREATE INDEX audit_entries_actor ON audit_entries (actor_id, occurred_us);
        CREATE INDEX audit_entries_hash ON audit_entries (chain, entry_hash);
        CREATE TABLE audit_chains (
            chain TEXT PRIMARY KEY,
            last_sequence BIGINT NOT NULL,
            last_hash TEXT NOT NULL,
            pruned_through BIGINT NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE audit_pruned (
            chain TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            entry_hash TEXT NOT NULL,
            PRIMARY KEY (chain, sequence)
        );
        CREATE TABLE audit_checkpoints (
            id UUID PRIMARY KEY,
            chain TEXT NOT NULL,
            tree_size BIGINT NOT NULL,
            root_hash TEXT NOT NULL,
            created_us BIGINT NOT NULL,
            key_id TEXT NOT NULL,
            signature TEXT NOT NULL
        );
        CREATE INDEX audit_checkpoints_chain ON audit_checkpoints (chain, tree_size);
        CREATE TABLE audit_keys (
            id TEXT PRIMARY KEY,
            public_key TEXT NOT NULL,
            sealed_private_key TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE audit_verifications (
            chain TEXT PRIMARY KEY,
            valid BOOLEAN NOT NULL,
            checked BIGINT NOT NULL,
            problem TEXT,
            since TIMESTAMPTZ,
            verified_at TIMESTAMPTZ NOT NULL
        )
        """)
}
