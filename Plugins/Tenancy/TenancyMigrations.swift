import Kernel

/// The tenancy plugin's schema.
enum TenancyMigrations {
    static let all = [users, organizations, settingsAndInvitations]

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

    /// Organizations (soft-deleted, never removed: audit and billing refer to them), their teams (names
    /// unique per org, whatever their case), and memberships: a row without a team is a membership of
    /// the org (`org_admin`, `member`), a row with one a membership of that team (`team_admin`, `member`).
    static let organizations = Migration("0002_organizations", sql: """
        CREATE TABLE organizations (
            id UUID PRIMARY KEY,
            name TEXT NOT NULL,
            slug TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL,
            license_tier TEXT NOT NULL,
            features TEXT NOT NULL DEFAULT '[]',
            limits TEXT NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            deleted_at TIMESTAMPTZ
        );
        CREATE INDEX organizations_name ON organizations (name, id);
        CREATE TABLE teams (
            id UUID PRIMARY KEY,
            org_id UUID NOT NULL REFERENCES organizations (id),
            name TEXT NOT NULL,
            name_key TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            UNIQUE (org_id, name_key)
        );
        CREATE TABLE memberships (
            id UUID PRIMARY KEY,
            user_id UUID NOT NULL REFERENCES users (id),
            org_id UUID NOT NULL REFERENCES organizations (id),
            team_id UUID REFERENCES teams (id),
            roles TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        );
        CREATE UNIQUE INDEX memberships_org ON memberships (org_id, user_id) WHERE team_id IS NULL;
        CREATE UNIQUE INDEX memberships_team ON memberships (team_id, user_id) WHERE team_id IS NOT NULL;
        CREATE INDEX memberships_user ON memberships (user_id, created_at)
        """)

    /// The site's branding (one row per key), invitations (tokens stored as SHA-256), and the log of
    /// impersonations.
    static let settingsAndInvitations = Migration("0003_settings_invitations_impersonations", sql: """
        CREATE TABLE site_settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            updated_by TEXT
        );
        CREATE TABLE invitations (
            token_hash TEXT PRIMARY KEY,
            user_id UUID NOT NULL REFERENCES users (id),
            invited_by TEXT,
            created_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL,
            used_at TIMESTAMPTZ
        );
        CREATE INDEX invitations_user ON invitations (user_id);
        CREATE TABLE impersonations (
            id UUID PRIMARY KEY,
            admin_id UUID NOT NULL REFERENCES users (id),
            user_id UUID NOT NULL REFERENCES users (id),
            reason TEXT NOT NULL,
            started_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL,
            client_address TEXT,
            request_id TEXT
        );
        CREATE INDEX impersonations_started ON impersonations (started_at, id)
        """)
}
