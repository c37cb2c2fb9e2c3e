/// One readiness check: passes by returning, fails by throwing (the error's description is reported).
public struct HealthCheck: Sendable {
    public var name: String
    public var timeout: Swift.Duration
    public var check: @Sendable () async throws -> Void

    public init(_ name: String, timeout: Swift.Duration = .seconds(2), check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.timeout = timeout
        self.check = check
    }
}
