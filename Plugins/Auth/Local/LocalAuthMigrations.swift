import Kernel

/// auth.local's schema. Secrets are never stored in the clear: passwords as Argon2id PHC strings, refresh
/// and one-time tokens as SHA-256 hashes, signing keys and TOTP secrets sealed with the deployment secret.
enum LocalAuthMigrations {
    static let all = [credentials, tokens, mfa]

    static let credentials = Migration("0001_credentials", sql: """
        CREATE TABLE auth_passwords (
            user_id UUID PRIMARY KEY,
            password_hash TEXT NOT NULL,
            changed_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE auth_login_failures (
            subject TEXT NOT NULL,
            client TEXT NOT NULL,
            failures INTEGER NOT NULL,
            first_failed_at TIMESTAMPTZ NOT NULL,
            locked_until TIMESTAMPTZ,
            PRIMARY KEY (subject, client)
        );
        CREATE TABLE auth_signing_keys (
            kid TEXT PRIMARY KEY,
            sealed_private_key TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            retired_at TIMESTAMPTZ
        )
        """)

    static let tokens = Migration("0002_sessions_and_tokens", sql: """
        CREATE TABLE auth_sessions (
            id UUID PRIMARY KEY,
            user_id UUID NOT NULL,
            amr TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            last_used_at TIMESTAMPTZ NOT NULL,
            revoked_at TIMESTAMPTZ,
            revoked_reason TEXT,
            client_address TEXT NOT NULL,
            user_agent TEXT NOT NULL
        );
        CREATE INDEX auth_sessions_user ON auth_sessions (user_id);
        CREATE TABLE auth_refresh_tokens (
            token_hash TEXT PRIMARY KEY,
            session_id UUID NOT NULL REFERENCES auth_sessions (id),
            generation INTEGER NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL,
            used_at TIMESTAMPTZ
        );
        CREATE INDEX auth_refresh_tokens_session ON auth_refresh_tokens (session_id);
        CREATE TABLE auth_one_time_tokens (
            token_hash TEXT PRIMARY KEY,
            user_id UUID NOT NULL,
            purpose TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL,
            used_at TIMESTAMPTZ
        );
        CREATE INDEX auth_one_time_tokens_user ON auth_one_time_tokens (user_id, purpose)
        """)
}

extension LocalAuthMigrations {
    /// TOTP authenticators (secret sealed; the last step used, so a code works once) and recovery codes
    /// (keyed hashes); failed attempts per one-time token (an MFA step dies after a few wrong codes).
    static let mfa = Migration("0003_mfa", sql: """
        CREATE TABLE auth_totp (
            user_id UUID PRIMARY KEY,
            sealed_secret TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            confirmed_at TIMESTAMPTZ,
            last_used_step BIGINT NOT NULL
        );
        CREATE TABLE auth_recovery_codes (
            user_id UUID NOT NULL,
            code_hash TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            used_at TIMESTAMPTZ,
            PRIMARY KEY (user_id, code_hash)
        );
        ALTER TABLE auth_one_time_tokens ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0
        """)
}
