import Synchronization

/// The typed registry through which plugins reach each other's capabilities.
///
/// The Kernel declares a protocol (`Directory`, `BlobStore`, `Mailer`, …); one plugin registers an
/// implementation under that protocol's type; others resolve it by the same type. Plugins never import
/// each other.
public final class ServiceRegistry: Sendable {
    private struct Entry: @unchecked Sendable {
        var provider: String
        var value: Any
    }

    public enum Failure: Error, CustomStringConvertible {
        case alreadyProvided(service: String, by: String, attemptedBy: String)
        case missing(service: String, neededBy: String)

        public var description: String {
            switch self {
            case .alreadyProvided(let service, let by, let attemptedBy):
                return "\(attemptedBy) cannot provide \(service): \(by) already provides it (enable only one of them)"
            case .missing(let service, let neededBy):
                return "\(neededBy) needs a \(service), but no enabled plugin provides one"
            }
        }
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    public init() {}

    /// Registers `service` as the implementation of `type`; a second provider is refused.
    public func register<Service>(_ service: Service, as type: Service.Type, by provider: String) throws {
        let key = ObjectIdentifier(type)
        try entries.withLock { entries in
            if let existing = entries[key] {
                throw Failure.alreadyProvided(service: String(describing: type), by: existing.provider, attemptedBy: provider)
            }
            entries[key] = Entry(provider: provider, value: service)
        }
    }

    /// The implementation of `type`, if a plugin provides one.
    public func resolve<Service>(_ type: Service.Type) -> Service? {
        entries.withLock { $0[ObjectIdentifier(type)]?.value as? Service }
    }

    /// The implementation of `type`, or an error naming who needed it.
    public func require<Service>(_ type: Service.Type, by consumer: String) throws -> Service {
        guard let service = resolve(type) else {
            throw Failure.missing(service: String(describing: type), neededBy: consumer)
        }
        return service
    }

    /// Which plugin provides `type`.
    public func provider<Service>(of type: Service.Type) -> String? {
        entries.withLock { $0[ObjectIdentifier(type)]?.provider }
    }
}
