import Crypto
import Foundation
import Kernel
import SQLKit

/// Brute-force protection for password logins (django-axes' job), designed so that an attacker can
/// neither guess a password nor lock its owner out cheaply (OWASP ASVS 6.1.1, 6.3.1):
///
/// - every client address is throttled (`login_rate`) before any password is checked;
/// - failures are counted per (account, client address): after `max_failed_attempts` that address is
///   locked out of that account for `lockout_duration`, while the owner signing in from elsewhere is not;
/// - failures from all addresses together lock the account for everyone at `account_lockout_threshold`,
///   which takes a distributed attack, not five requests;
/// - the account is named by a keyed hash of the address as typed, whether or not an account exists, so
///   locks behave identically for unknown addresses and reveal nothing (no enumeration);
/// - a success clears that address's count; locks expire on their own.
struct LoginGuard: Sendable {
    enum Verdict: Sendable, Equatable {
        case open
        case locked(until: Date)
    }

    let maxFailures: Int
    let accountThreshold: Int
    let lockout: Duration
    let subjectKey: SymmetricKey

    static let everywhere = "*"

    init(maxFailures: Int, accountThreshold: Int, lockout: Duration, secret: String) {
        self.maxFailures = maxFailures
        self.accountThreshold = accountThreshold
        self.lockout = lockout
        subjectKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), salt: Data("lintel login guard".utf8),
                                            info: Data(), outputByteCount: 32)
    }

    func subject(_ email: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(email.lowercased().utf8), using: subjectKey).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `client` may try a password for `email` now.
    func verdict(email: String, client: String, now: Date = Date(), in sql: any SQLDatabase) async throws -> Verdict {
        let rows = try await sql.raw("""
            SELECT locked_until FROM auth_login_failures
            WHERE subject = \(bind: subject(email)) AND client IN (\(bind: client), \(bind: Self.everywhere)) AND locked_until > \(bind: now)
            """).all()
        let until = try rows.compactMap { try $0.decode(column: "locked_until", as: Date?.self) }.max()
        return until.map { .locked(until: $0) } ?? .open
    }

    /// Counts a failure; returns the lock it caused, if this failure caused one (`everyone`: the whole
    /// account rather than this address).
    func recordFailure(email: String, client: String, now: Date = Date(), in sql: any SQLDatabase) async throws -> (until: Date, everyone: Bool)? {
        let subject = subject(email)
        let window = now.addingTimeInterval(-lockout.seconds)
        var caused: (Date, Bool)?
        for (key, limit) in [(client, maxFailures), (Self.everywhere, accountThreshold)] {
            // A count older than the lockout window starts over.
            try await sql.raw("""
                DELETE FROM auth_login_failures WHERE subject = \(bind: subject) AND client = \(bind: key)
                AND first_failed_at < \(bind: window) AND (locked_until IS NULL OR locked_until <= \(bind: now))
                """).run()
            let failures = try await sql.raw("""
                INSERT INTO auth_login_failures (subject, client, failures, first_failed_at) VALUES (\(bind: subject), \(bind: key), 1, \(bind: now))
                ON CONFLICT (subject, client) DO UPDATE SET failures = auth_login_failures.failures + 1
                RETURNING failures
                """).first()?.decode(column: "failures", as: Int.self) ?? 1
            if failures == limit {
                let until = now.addingTimeInterval(lockout.seconds)
                try await sql.raw("""
                    UPDATE auth_login_failures SET locked_until = \(bind: until) WHERE subject = \(bind: subject) AND client = \(bind: key)
                    """).run()
                caused = caused ?? (until, key == Self.everywhere)
            }
        }
        return caused
    }

    /// A successful login clears this address's count (the account-wide count keeps running down by age).
    func recordSuccess(email: String, client: String, in sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM auth_login_failures WHERE subject = \(bind: subject(email)) AND client = \(bind: client)").run()
    }
}

extension LoginGuard {
    /// Forgets every failure and lock of the account (its owner proved control of the address).
    func clear(email: String, in sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM auth_login_failures WHERE subject = \(bind: subject(email))").run()
    }
}
