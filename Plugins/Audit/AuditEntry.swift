import Crypto
import Foundation
import Kernel
import SQLKit

/// One audit entry as stored: what happened (`action` on `resource_type`/`resource_id`, by `actor_id`, in
/// `org_id`, with `changes` and `details`), where it sits (`chain`, `sequence`), and its integrity:
/// `previous_hash` (the `entry_hash` of the entry before it in its chain), `entry_hash` (SHA-256 of the
/// canonical serialization) and `signature` (HMAC-SHA256 of the same bytes under the audit key).
///
/// **Canonical serialization** (what is hashed and signed): one compact JSON object whose members are,
/// in this order (their names sorted by UTF-8 bytes), `action`, `actor_id`, `actor_ip`, `chain`,
/// `changes`, `details`, `event_id`, `id`, `impersonator_id`, `occurred_us`, `org_id`, `previous_hash`,
/// `request_id`, `resource_id`, `resource_type`, `sequence`, `user_agent`; strings escaped as JSON
/// requires (`"`, `\`, control characters; nothing else), absent values `null`, `occurred_us` and
/// `sequence` integers, and `changes`/`details` exactly the stored text (itself compact JSON with sorted
/// keys). No whitespace anywhere.
struct AuditEntry: Sendable, Equatable {
    var id: UUID
    var chain: String
    var sequence: Int64
    /// Microseconds since 1970, UTC.
    var occurredMicros: Int64
    var action: String
    var resourceType: String
    var resourceID: String
    var actorID: String?
    var orgID: String?
    /// Compact JSON (`{field: {"old": …, "new": …}}`).
    var changes: String
    /// Compact JSON: what else the event said.
    var details: String
    var requestID: String?
    var actorIP: String?
    var userAgent: String?
    var impersonatorID: String?
    var eventID: String?
    var previousHash: String
    var entryHash: String
    var signature: String

    static let platformChain = "platform"
    static let genesisHash = String(repeating: "0", count: 64)

    static let columns = "id, chain, sequence, occurred_us, action, resource_type, resource_id, actor_id, org_id, changes, details, request_id, actor_ip, user_agent, impersonator_id, event_id, previous_hash, entry_hash, signature"

    /// The bytes that are hashed and signed.
    var canonical: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512 + changes.utf8.count + details.utf8.count)
        func member(_ name: String, first: Bool = false) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: "\":".utf8)
        }
        func string(_ value: String?) {
            if let value { JSONValue.string(value).write(to: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
        }
        bytes.append(UInt8(ascii: "{"))
        member("action", first: true); string(action)
        member("actor_id"); string(actorID)
        member("actor_ip"); string(actorIP)
        member("chain"); string(chain)
        member("changes"); bytes.append(contentsOf: changes.utf8)
        member("details"); bytes.append(contentsOf: details.utf8)
        member("event_id"); string(eventID)
        member("id"); string(id.lowercasedString)
        member("impersonator_id"); string(impersonatorID)
        member("occurred_us"); bytes.append(contentsOf: String(occurredMicros).utf8)
        member("org_id"); string(orgID)
        member("previous_hash"); string(previousHash)
        member("request_id"); string(requestID)
        member("resource_id"); string(resourceID)
        member("resource_type"); string(resourceType)
        member("sequence"); bytes.append(contentsOf: String(sequence).utf8)
        member("user_agent"); string(userAgent)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// Fills `entryHash` and `signature` from the other fields. `mac` is an HMAC keyed with the audit key and
    /// fed nothing yet (copied per entry, so the key is prepared once).
    mutating func seal(with mac: HMAC<SHA256>) {
        let bytes = canonical
        entryHash = Hex.string(SHA256.hash(data: bytes))
        var mac = mac
        mac.update(data: bytes)
        signature = Hex.string(mac.finalize())
    }

    mutating func seal(with key: SymmetricKey) { seal(with: HMAC<SHA256>(key: key)) }

    /// Whether the stored hash and signature match the fields (constant-time signature comparison).
    func check(with mac: HMAC<SHA256>) -> (hashOK: Bool, signatureOK: Bool) {
        let bytes = canonical
        let hashOK = Hex.string(SHA256.hash(data: bytes)) == entryHash
        guard let expected = Hex.bytes(signature) else { return (hashOK, false) }
        var mac = mac
        mac.update(data: bytes)
        // HashedAuthenticationCode compares with bytes in constant time.
        return (hashOK, mac.finalize() == expected)
    }

    func check(with key: SymmetricKey) -> (hashOK: Bool, signatureOK: Bool) { check(with: HMAC<SHA256>(key: key)) }

    var occurredAt: Date { Date(timeIntervalSince1970: Double(occurredMicros) / 1_000_000) }

    static func decode(_ row: any SQLRow) throws -> AuditEntry {
        AuditEntry(id: try row.decode(column: "id", as: UUID.self), chain: try row.decode(column: "chain", as: String.self),
                   sequence: try row.decode(column: "sequence", as: Int64.self), occurredMicros: try row.decode(column: "occurred_us", as: Int64.self),
                   action: try row.decode(column: "action", as: String.self), resourceType: try row.decode(column: "resource_type", as: String.self),
                   resourceID: try row.decode(column: "resource_id", as: String.self), actorID: try row.decode(column: "actor_id", as: String?.self),
                   orgID: try row.decode(column: "org_id", as: String?.self), changes: try row.decode(column: "changes", as: String.self),
                   details: try row.decode(column: "details", as: String.self), requestID: try row.decode(column: "request_id", as: String?.self),
                   actorIP: try row.decode(column: "actor_ip", as: String?.self), userAgent: try row.decode(column: "user_agent", as: String?.self),
                   impersonatorID: try row.decode(column: "impersonator_id", as: String?.self), eventID: try row.decode(column: "event_id", as: String?.self),
                   previousHash: try row.decode(column: "previous_hash", as: String.self), entryHash: try row.decode(column: "entry_hash", as: String.self),
                   signature: try row.decode(column: "signature", as: String.self))
    }

    /// As the API shows it (the reference's fields plus Lintel's).
    var json: JSONValue {
        func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        return [
            "id": .string(id.lowercasedString), "timestamp": .string(Self.timestamp(occurredMicros)), "action": .string(action),
            "resource_type": .string(resourceType), "resource_id": .string(resourceID), "actor_id": optional(actorID), "org_id": optional(orgID),
            "changes": (try? JSONDecoder().decode(JSONValue.self, from: Data(changes.utf8))) ?? [:],
            "details": (try? JSONDecoder().decode(JSONValue.self, from: Data(details.utf8))) ?? [:],
            "request_id": optional(requestID), "actor_ip": optional(actorIP), "user_agent": optional(userAgent),
            "impersonator_id": optional(impersonatorID), "chain": .string(chain), "sequence": .int(Int(sequence)),
            "previous_hash": .string(previousHash), "entry_hash": .string(entryHash), "signature": .string(signature),
        ]
    }

    /// `2026-12-05T01:32:02.123456Z`.
    static func timestamp(_ micros: Int64) -> String {
        let seconds = Date(timeIntervalSince1970: Double(micros / 1_000_000)).iso8601.dropLast()
        let fraction = String(micros % 1_000_000)
        return seconds + "." + String(repeating: "0", count: 6 - fraction.count) + fraction + "Z"
    }
}

/// Lower-case hexadecimal.
enum Hex {
    static func string<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func string<D: Digest>(_ digest: D) -> String { string(Array(digest)) }

    static func string(_ code: HashedAuthenticationCode<SHA256>) -> String { string(Array(code)) }

    static func bytes(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
