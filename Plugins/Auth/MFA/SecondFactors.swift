import Crypto
import Foundation
import Kernel
import SQLKit

/// Users' second factors: one TOTP authenticator each (enrolled, then confirmed with a code) and ten
/// single-use recovery codes. A TOTP code is accepted once: its time step must be later than the last one
/// used, claimed with a conditional update so two requests cannot both spend it.
struct SecondFactors: Sendable {
    enum Proof: Sendable, Equatable {
        case totp
        case recoveryCode

        /// RFC 8176 authentication method references the session carries.
        var amr: [String] { self == .totp ? ["pwd", "otp", "mfa"] : ["pwd", "mfa"] }
    }

    let sealer: SecretSealer
    let recoveryKey: SymmetricKey
    static let recoveryCodeCount = 10

    init(secret: String) {
        sealer = SecretSealer(secret: secret, purpose: "lintel auth.local totp secret")
        recoveryKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), salt: Data("lintel recovery codes".utf8),
                                             info: Data(), outputByteCount: 32)
    }

    struct Status: Sendable {
        let enabled: Bool
        let recoveryCodesRemaining: Int
        let confirmedAt: Date?
    }

    func status(_ userID: UUID, in sql: any SQLDatabase) async throws -> Status {
        let confirmed = try await sql.raw("SELECT confirmed_at FROM auth_totp WHERE user_id = \(bind: userID)").first()?
            .decode(column: "confirmed_at", as: Date?.self)
        let remaining = try await sql.raw("""
            SELECT COUNT(*) AS n FROM auth_recovery_codes WHERE user_id = \(bind: userID) AND used_at IS NULL
            """).first()?.decode(column: "n", as: Int.self) ?? 0
        return Status(enabled: confirmed != nil, recoveryCodesRemaining: confirmed == nil ? 0 : remaining, confirmedAt: confirmed)
    }

    /// Starts an enrolment (replacing an unconfirmed one): a new 160-bit secret. `nil` when one is confirmed.
    func enroll(_ userID: UUID, in sql: any SQLDatabase) async throws -> TOTP? {
        if try await status(userID, in: sql).enabled { return nil }
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0.prefix(20)) }
        try await sql.raw("DELETE FROM auth_totp WHERE user_id = \(bind: userID)").run()
        try await sql.raw("""
            INSERT INTO auth_totp (user_id, sealed_secret, created_at, last_used_step)
            VALUES (\(bind: userID), \(bind: try sealer.seal(Data(secret), kid: userID.uuidString)), \(bind: Date()), \(bind: Int64(0)))
            """).run()
        return TOTP(secret: secret)
    }

    /// The user's authenticator: the confirmed one, or (`pending`) the one being enrolled.
    func authenticator(_ userID: UUID, pending: Bool, in sql: any SQLDatabase) async throws -> TOTP? {
        guard let row = try await sql.raw("SELECT sealed_secret, confirmed_at FROM auth_totp WHERE user_id = \(bind: userID)").first(),
              (try row.decode(column: "confirmed_at", as: Date?.self) == nil) == pending else { return nil }
        return TOTP(secret: Array(try sealer.open(try row.decode(column: "sealed_secret", as: String.self), kid: userID.uuidString)))
    }

    /// Confirms the pending authenticator with a code; returns fresh recovery codes, or `nil` for a wrong code.
    func confirm(_ userID: UUID, code: String, in sql: any SQLDatabase) async throws -> [String]? {
        guard let totp = try await authenticator(userID, pending: true, in: sql), let step = totp.matchingStep(code),
              try await claim(userID, step: step, in: sql) else { return nil }
        try await sql.raw("UPDATE auth_totp SET confirmed_at = \(bind: Date()) WHERE user_id = \(bind: userID)").run()
        return try await replaceRecoveryCodes(userID, in: sql)
    }

    /// Checks a second factor of a user with MFA on: a TOTP code (once) or an unused recovery code.
    func verify(_ userID: UUID, code: String, in sql: any SQLDatabase) async throws -> Proof? {
        guard let totp = try await authenticator(userID, pending: false, in: sql) else { return nil }
        if let step = totp.matchingStep(code) {
            return try await claim(userID, step: step, in: sql) ? .totp : nil
        }
        let normalized = Self.normalizeRecoveryCode(code)
        guard normalized.count == 10 else { return nil }
        let used = try await sql.raw("""
            UPDATE auth_recovery_codes SET used_at = \(bind: Date())
            WHERE user_id = \(bind: userID) AND code_hash = \(bind: recoveryHash(normalized)) AND used_at IS NULL RETURNING user_id
            """).first()
        return used == nil ? nil : .recoveryCode
    }

    func replaceRecoveryCodes(_ userID: UUID, in sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("DELETE FROM auth_recovery_codes WHERE user_id = \(bind: userID)").run()
        var codes: [String] = []
        let now = Date()
        for _ in 0..<Self.recoveryCodeCount {
            // 10 base32 characters: 50 bits, shown as xxxxx-xxxxx.
            let raw = Base32.encode(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0.prefix(7)) }).prefix(10).lowercased()
            codes.append(raw.prefix(5) + "-" + raw.suffix(5))
            try await sql.raw("""
                INSERT INTO auth_recovery_codes (user_id, code_hash, created_at) VALUES (\(bind: userID), \(bind: recoveryHash(String(raw))), \(bind: now))
                """).run()
        }
        return codes
    }

    func remove(_ userID: UUID, in sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM auth_totp WHERE user_id = \(bind: userID)").run()
        try await sql.raw("DELETE FROM auth_recovery_codes WHERE user_id = \(bind: userID)").run()
    }

    /// Spends a time step: only a step later than every one used before.
    private func claim(_ userID: UUID, step: Int64, in sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("""
            UPDATE auth_totp SET last_used_step = \(bind: step) WHERE user_id = \(bind: userID) AND last_used_step < \(bind: step) RETURNING user_id
            """).first() != nil
    }

    /// A keyed hash: 50 random bits are too few to stand a stolen table's offline guessing without the key.
    func recoveryHash(_ normalized: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(normalized.utf8), using: recoveryKey).map { String(format: "%02x", $0) }.joined()
    }

    static func normalizeRecoveryCode(_ code: String) -> String {
        code.lowercased().filter { $0.isLetter || $0.isNumber }
    }
}
