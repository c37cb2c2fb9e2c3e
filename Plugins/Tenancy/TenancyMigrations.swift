import Kernel

/// The tenancy plugin's schema.
enum TenancyMigrations {
    static let all = [users]

    /// Accounts, and the external identities (issuer + subject) mapped to them. `email_key` is the address
    /// in lower case: addresses are unique whatever their case.
    static let users = Migration("0001_users", sql: """
        CREATE TABLE users (
            id UUID PRIMARY KEY,
            email TEXT NOT NULL,
            email_key TEXT NOT NULL UNIQUE,
            first_name TEXT NOT NULL DEFAULT '',
            last_name TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            platform_roles TEXT NOT NULL,
            email_verified BOOLEAN NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            last_login_at TIMESTAMPTZ
        );
        CREATE TABLE user_identities (
            issuer TEXT NOT NULL,
            subject TEXT NOT NULL,
            user_id UUID NOT NULL REFERENCES users (id),
            created_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (issuer, subject)
        );
        CREATE INDEX user_identities_user ON user_identities (user_id)
        """)
}
