import CryptoExtras
import Foundation
import Kernel
import SQLKit
import Synchronization

/// auth.local's signing keys: generated on first start (or read from `signing_key`), private halves sealed
/// with the deployment secret in `auth_signing_keys`, published at `/.well-known/jwks.json`.
///
/// Rotation (`lintel keys rotate`) adds a key and retires the previous one: it stops signing but stays
/// published for `key_retention`, so the tokens it signed keep verifying until they expire. Every process
/// reloads the table periodically and when it meets a `kid` it does not know.
final class SigningKeyStore: Sendable {
    struct Snapshot: Sendable {
        let signer: SigningKey
        let verifiers: [String: SigningKey]
        let loadedAt: ContinuousClock.Instant

        var jwks: JSONValue { ["keys": .array(verifiers.values.sorted { $0.kid < $1.kid }.map(\.jwk))] }
    }

    let database: Database
    let sealer: SecretSealer
    let configuredKey: String?
    let retention: Duration
    private let state = Mutex<Snapshot?>(nil)
    /// Cached keys of earlier loads, so a reload does not re-derive and decrypt what it already holds.
    private let known = Mutex<[String: SigningKey]>([:])
    /// Unknown kids reload at most this often.
    static let reloadSpacing = Duration.seconds(10)

    init(database: Database, secret: String, configuredKeyPath: String?, retention: Duration) throws {
        self.database = database
        sealer = SecretSealer(secret: secret, purpose: "lintel auth.local signing key")
        configuredKey = try configuredKeyPath.map { try String(contentsOfFile: $0, encoding: .utf8) }
        self.retention = retention
    }

    var current: Snapshot {
        get throws {
            guard let snapshot = state.withLock({ $0 }) else { throw SigningKeyError.noKey }
            return snapshot
        }
    }

    /// The key named `kid`, reloading once (rate-limited) when it is not known yet.
    func verifier(kid: String) async throws -> SigningKey? {
        let snapshot = try current
        if let key = snapshot.verifiers[kid] { return key }
        guard ContinuousClock.now - snapshot.loadedAt >= Self.reloadSpacing else { return nil }
        try await load()
        return try current.verifiers[kid]
    }

    /// Creates the first key when there is none, then reads every key still published.
    func load() async throws {
        var configured: SigningKey?
        if let configuredKey { configured = try await SigningKey(privateKey: try SigningKey.privateKey(pem: configuredKey)) }
        if configured == nil { try await ensureKey() }
        let cutoff = Date().addingTimeInterval(-retention.seconds)
        let rows = try await database.read { sql in
            try await sql.raw("""
                SELECT kid, sealed_private_key, retired_at FROM auth_signing_keys
                WHERE retired_at IS NULL OR retired_at > \(bind: cutoff) ORDER BY created_at DESC
                """).all().map { (try $0.decode(column: "kid", as: String.self), try $0.decode(column: "sealed_private_key", as: String.self),
                                  try $0.decode(column: "retired_at", as: Date?.self)) }
        }
        var verifiers: [String: SigningKey] = [:]
        var newest: SigningKey?
        let cached = known.withLock { $0 }
        for (kid, sealed, retired) in rows {
            let key: SigningKey
            if let hit = cached[kid] {
                key = hit
            } else {
                let der: Data
                do { der = try sealer.open(sealed, kid: kid) } catch { throw SigningKeyError.unreadable(kid: kid) }
                key = try await SigningKey(privateKey: try _RSA.Signing.PrivateKey(derRepresentation: der))
            }
            verifiers[kid] = key
            if retired == nil && newest == nil { newest = key }
        }
        known.withLock { $0 = verifiers }
        if let configured { verifiers[configured.kid] = configured }
        guard let signer = configured ?? newest ?? verifiers.values.first else { throw SigningKeyError.noKey }
        let snapshot = Snapshot(signer: signer, verifiers: verifiers, loadedAt: .now)
        state.withLock { $0 = snapshot }
    }

    /// Adds a new key and retires the current ones; returns the new key's id.
    @discardableResult
    func rotate() async throws -> String {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let kid = try await insert(key, retiringOthers: true)
        try await load()
        return kid
    }

    struct Listing: Sendable {
        let kid: String
        let createdAt: Date
        let retiredAt: Date?
    }

    /// Every stored key, newest first.
    func list() async throws -> [Listing] {
        try await database.read { sql in
            try await sql.raw("SELECT kid, created_at, retired_at FROM auth_signing_keys ORDER BY created_at DESC").all().map {
                Listing(kid: try $0.decode(column: "kid", as: String.self), createdAt: try $0.decode(column: "created_at", as: Date.self),
                        retiredAt: try $0.decode(column: "retired_at", as: Date?.self))
            }
        }
    }

    private func ensureKey() async throws {
        let exists = try await database.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM auth_signing_keys WHERE retired_at IS NULL").first()?.decode(column: "n", as: Int.self) ?? 0
        }
        guard exists == 0 else { return }
        _ = try await insert(try _RSA.Signing.PrivateKey(keySize: .bits2048), retiringOthers: false)
    }

    /// Stores `key` sealed. Without `retiringOthers` it is only added when no active key exists yet, so
    /// processes starting together end up with one key.
    private func insert(_ key: _RSA.Signing.PrivateKey, retiringOthers: Bool) async throws -> String {
        let signing = try await SigningKey(privateKey: key)
        let sealed = try sealer.seal(key.derRepresentation, kid: signing.kid)
        let dialect = database.dialect
        try await database.transaction { sql in
            if dialect == .postgres { try await sql.raw("LOCK TABLE auth_signing_keys IN EXCLUSIVE MODE").run() }
            let now = Date()
            if retiringOthers {
                try await sql.raw("UPDATE auth_signing_keys SET retired_at = \(bind: now) WHERE retired_at IS NULL").run()
            } else {
                let active = try await sql.raw("SELECT COUNT(*) AS n FROM auth_signing_keys WHERE retired_at IS NULL").first()?
                    .decode(column: "n", as: Int.self) ?? 0
                if active > 0 { return }
            }
            try await sql.raw("""
                INSERT INTO auth_signing_keys (kid, sealed_private_key, created_at) VALUES (\(bind: signing.kid), \(bind: sealed), \(bind: now))
                """).run()
        }
        return signing.kid
    }
}
