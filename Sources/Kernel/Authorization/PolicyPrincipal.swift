import CEL
import Policy
import Synchronization

/// The principal as policies see it: the authenticated identity with the roles and attributes Lintel's
/// policies rely on, always present.
///
/// - `roles`: `user`, the platform roles from the token (`platform_admin`, `support_readonly`, …), the
///   roles held in the current org (`org_admin`) and in its teams (`team_admin`). Roles held elsewhere
///   never appear.
/// - `attr`: every attribute of the principal, with defaults for `org_id` (""), `org_roles` ([]),
///   `team_ids` ([]), `team_roles` ({}), `license_tier` (""), `features` ([]) and `mfa` (false).
public struct PolicyPrincipal: Sendable {
    public var id: String
    public var roles: [String]
    public var attributes: [String: JSONValue] {
        didSet {
            converted = ConvertedAttributes()
            shared = false
        }
    }
    /// The attributes as CEL values, converted once however many checks a request makes.
    private var converted = ConvertedAttributes()
    /// Whether this value came from `PolicyPrincipalCache`, which hands the same converted attributes to
    /// every request of the same identity.
    private var shared = false

    public static let attributeDefaults: [String: JSONValue] = [
        "org_id": "", "org_roles": [], "team_ids": [], "team_roles": [:], "license_tier": "", "features": [], "mfa": false,
    ]

    public init(id: String, roles: [String], attributes: [String: JSONValue]) {
        self.id = id
        self.roles = roles
        self.attributes = attributes
    }

    public init(_ principal: Principal) {
        var attributes = Self.attributeDefaults
        for (key, value) in principal.attributes { attributes[key] = value }
        var roles = ["user"]
        func add(_ role: String) { if !role.isEmpty && !roles.contains(role) { roles.append(role) } }
        principal.roles.forEach(add)
        attributes["org_roles"]?.arrayValue?.compactMap(\.stringValue).forEach(add)
        if let teams = attributes["team_roles"]?.objectValue {
            for key in teams.keys.sorted() { teams[key]?.arrayValue?.compactMap(\.stringValue).forEach(add) }
        }
        self.init(id: principal.id, roles: roles, attributes: attributes)
    }

    var checkPrincipal: CheckPrincipal {
        CheckPrincipal(id: id, roles: roles, attributes: converted.map(attributes))
    }

    /// For a principal from the cache, the object that stands for its attributes (the same object for the
    /// same attributes, a new one once they change), so remembered decisions can be found without comparing
    /// every attribute; `nil` for a principal made on the spot.
    var sharedAttributes: ConvertedAttributes? { shared ? converted : nil }

    fileprivate mutating func markShared() { shared = true }
}

/// Policy principals already made, with their attributes already converted to CEL, by what they are made
/// from: a client sends the same token many times, and the view of it depends on nothing else, so each
/// identity is converted once rather than on every request.
///
/// A pure memo: the key is the whole principal as the policies see it (id, roles, attributes; not which
/// authenticator accepted it, nor an impersonator), so a changed role or membership is a different key.
final class PolicyPrincipalCache: Sendable {
    static let shared = PolicyPrincipalCache(capacity: 4096)

    private let entries: BoundedMemo<Principal, PolicyPrincipal>

    init(capacity: Int) { entries = BoundedMemo(capacity: capacity) }

    func principal(for principal: Principal) -> PolicyPrincipal {
        guard let derived = principal.derived else { return lookedUp(principal) }
        if let made = derived.policyPrincipal.withLock({ $0 }) { return made }
        let made = lookedUp(principal)
        derived.policyPrincipal.withLock { $0 = made }
        return made
    }

    private func lookedUp(_ principal: Principal) -> PolicyPrincipal {
        // A key must compare byte for byte, as the policies read it; anything else is converted afresh.
        guard principal.comparesExactly else { return PolicyPrincipal(principal) }
        let key = Principal(id: principal.id, roles: principal.roles, attributes: principal.attributes, authenticator: "")
        if let made = entries[key] { return made }
        var made = PolicyPrincipal(principal)
        made.markShared()
        _ = made.checkPrincipal  // convert now, once, so every later request finds it converted
        entries.remember(made, for: key)
        return made
    }
}

/// What the Kernel made from a remembered principal (`Principal.remembered()`), kept with it.
final class PrincipalDerivations: Sendable {
    let policyPrincipal = Mutex<PolicyPrincipal?>(nil)
    /// `Principal.derivedPrincipal(for:make:)`'s, the most recent last.
    let principals = Mutex<[(key: AnyObject & Sendable, principal: Principal)]>([])
    static let keptPrincipals = 4
}

/// A principal's attributes converted to CEL once, for every check of the request.
final class ConvertedAttributes: Sendable {
    private let value = Mutex<CELMap?>(nil)

    func map(_ attributes: [String: JSONValue]) -> CELMap {
        if let done = value.withLock({ $0 }) { return done }
        let map = JSONValue.celMap(attributes)
        value.withLock { $0 = map }
        return map
    }
}

extension ResourceRef {
    var checkResource: CheckResource {
        CheckResource(kind: kind, id: id, attributes: JSONValue.celMap(attributes))
    }
}

extension JSONValue {
    /// As CEL sees JSON: every number a double.
    public var celValue: CELValue {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .double(Double(i))
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let items): return .list(items.map(\.celValue))
        case .object(let members): return .map(JSONValue.celMap(members))
        }
    }

    static func celMap(_ members: [String: JSONValue]) -> CELMap {
        CELMap(members.sorted { $0.key < $1.key }.map { (.string($0.key), $0.value.celValue) })
    }

    /// A CEL value as JSON: integral doubles become integers, timestamps RFC 3339 strings, durations `"1.5s"`.
    public init(cel value: CELValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(Int(i))
        case .uint(let u): self = u <= UInt64(Int.max) ? .int(Int(u)) : .double(Double(u))
        case .double(let d):
            if !d.isFinite { self = .string(d.isNaN ? "NaN" : d < 0 ? "-Infinity" : "Infinity") }
            else if d == d.rounded(), abs(d) < 9.0e15 { self = .int(Int(d)) } else { self = .double(d) }
        case .string(let s): self = .string(s)
        case .list(let items): self = .array(items.map(JSONValue.init(cel:)))
        case .map(let map):
            var members: [String: JSONValue] = [:]
            for (key, item) in map.entries { members[CELFormatting.display(key.value)] = JSONValue(cel: item) }
            self = .object(members)
        case .bytes, .timestamp, .duration, .type, .opaque, .error, .unknown:
            // PolicyJSON renders these as JSON strings.
            let text = PolicyJSON.text(value)
            self = .string(text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 ? String(text.dropFirst().dropLast()) : text)
        }
    }
}
