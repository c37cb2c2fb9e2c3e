import Foundation
import Kernel

/// `plugin audit { … }`: the tamper-evident audit trail.
public struct AuditSettings: BlockSettings {
    /// What happens to personal data before an entry is written.
    public enum PIIPolicy: String, ConfigValue, CaseIterable, Sendable {
        /// Kept recognisable but not readable: `a***@example.com`, `A***`, `192.0.2.x`.
        case mask
        /// Replaced by a keyed hash (`hmac:…`): equal values stay linkable, none is readable.
        case hash
        /// Left out.
        case drop

        public static var expectation: String { "mask, hash or drop" }
        public static var placeholder: PIIPolicy { .mask }
        public static func parse(configText: String) -> Result<PIIPolicy, ConfigValueError> {
            PIIPolicy(rawValue: configText.lowercased()).map { .success($0) }
                ?? .failure(ConfigValueError("not a PII policy", help: "use mask, hash or drop"))
        }
        public var configDescription: String { rawValue }
    }

    public var hmacKey: Secret?
    public var piiPolicy: PIIPolicy
    public var piiFields: [String]
    public var retentionDays: Int
    public var archiveDirectory: String
    public var checkpointInterval: Duration
    public var checkpointKey: String?
    public var verifyInterval: Duration
    public var recordDenials: Bool

    public init(from reader: SettingsReader) {
        hmacKey = reader.optional("hmac_key", doc: "Key of the entries' HMAC-SHA256 signatures (AUDIT_HMAC_KEY), at least 32 characters; derived from security.secret_key when unset. Not the token-signing key.",
                                  check: { $0.value.isEmpty || $0.value.count >= 32 ? nil : "must be at least 32 characters" })
        piiPolicy = reader.value("pii_policy", default: .mask, doc: "What happens to personal data before it is written (AUDIT_PII_POLICY): mask, hash or drop.")
        piiFields = reader.list("pii_fields", default: ["email", "first_name", "last_name", "user_email", "admin_email", "client_address", "ip", "user_agent"],
                                doc: "Fields treated as personal data wherever they appear in an entry (its details, changes, IP and user agent).")
        retentionDays = reader.value("retention_days", default: 90, doc: "Entries older than this are archived, then deleted (AUDIT_RETENTION_DAYS); 0 keeps everything.",
                                     check: { $0 >= 0 ? nil : "must be 0 (keep) or more" })
        archiveDirectory = reader.value("archive_directory", default: "data/audit-archive",
                                        doc: "Where retention writes what it deletes (JSON lines, one file per chain and run).")
        checkpointInterval = reader.value("checkpoint_interval", default: .seconds(3600), doc: "How often a signed tree head is recorded for every chain that grew.",
                                          check: { $0 >= .seconds(60) ? nil : "must be at least 1m" })
        checkpointKey = reader.optional("checkpoint_key", doc: "A PEM file with the Ed25519 private key that signs checkpoints; generated and stored sealed with security.secret_key when unset.")
        if let path = checkpointKey, !FileManager.default.isReadableFile(atPath: path) {
            reader.fail("checkpoint_key", "cannot read \(path)", help: "give the path of a PEM file (BEGIN PRIVATE KEY) holding an Ed25519 key")
        }
        verifyInterval = reader.value("verify_interval", default: .seconds(86_400), doc: "How often every chain is verified in full (failures become alerts).",
                                      check: { $0 >= .seconds(60) ? nil : "must be at least 1m" })
        recordDenials = reader.value("record_denials", default: true, doc: "Record authorization denials as entries (authz.denied).")
    }
}
