import Kernel
import ServiceLifecycle

/// `audit`: a tamper-evident trail of every change and security decision — HMAC-signed entries in one
/// hash chain per org (and one for the platform), signed Merkle checkpoints, PII policy, search, streamed
/// export, verification and retention.
public struct AuditPlugin: Plugin {
    public typealias Settings = AuditSettings

    public static let id: PluginID = "audit"
    public static let summary = "Tamper-evident audit trail: HMAC + hash chains + signed Merkle checkpoints, PII policy, search, export, verification, retention."
    public static let migrations = AuditMigrations.all

    let service: AuditService

    public init(settings: AuditSettings, context: PluginContext) async throws {
        service = try await AuditService(settings: settings, context: context)
        if settings.recordDenials {
            let authorization = try context.services.require(AuthorizationService.self, by: Self.id.rawValue)
            authorization.decisions.subscribe(deniesOnly: true) { [recorder = service.denials] decision in recorder.record(decision) }
        }
    }

    public func routes(_ routes: Routes) { service.addRoutes(to: routes) }
    public func eventSubscriptions() -> [EventSubscription] { [service.subscription] }
    public func jobs() -> [JobDefinition] { service.jobs }
    public func schedules() -> [Schedule] { service.schedules }
    public func services() -> [any Service] { [DenialFlusher(recorder: service.denials)] }
    public func alertSources() -> [AlertSource] { [service.alertSource] }
    public func shutdown() async { _ = try? await service.denials.flush() }
}
