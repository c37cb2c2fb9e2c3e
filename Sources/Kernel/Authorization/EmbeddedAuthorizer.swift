import CEL
import Foundation
import Logging
import Policy

/// The embedded decision point: Lintel's Cerbos-compatible engine over the `policies` directory.
public final class EmbeddedAuthorizer: Authorizer {
    public let engine: PolicyEngine
    public let directory: String
    /// The directory's files as they were just before the running set was read: the watcher's starting
    /// point, so that a change made while the server starts is not taken for the loaded state.
    let loadedFingerprint: String
    let logger: Logger
    let memo = DecisionMemo()

    /// Compiles every policy in `settings.policies`; throws every problem found (the Kernel refuses to
    /// start on a broken policy set).
    public init(settings: AuthorizationSettings, logger: Logger) throws(PolicyLoadError) {
        directory = settings.policies
        self.logger = logger
        loadedFingerprint = PolicyLoader.fingerprint(directory: settings.policies)
        engine = PolicyEngine(policies: try PolicyLoader.load(directory: settings.policies), options: Self.options(settings))
    }

    static func options(_ settings: AuthorizationSettings) -> CheckOptions {
        var options = CheckOptions()
        options.defaultPolicyVersion = settings.defaultPolicyVersion
        options.defaultScope = settings.defaultScope
        options.lenientScopeSearch = settings.lenientScopeSearch
        options.strictEvaluation = settings.strictEvaluation
        options.schemaEnforcement = settings.schemaEnforcement
        var globals = CELMap()
        for (name, value) in settings.globals { globals[.string(name)] = .string(value) }
        options.globals = globals
        return options
    }

    public func decide(_ principal: PolicyPrincipal, actions: [String], on resource: ResourceRef) async -> [AuthorizationDecision] {
        let (policies, generation) = engine.snapshot
        let memoKey = memo.key(generation: generation, principal: principal, resource: resource, actions: actions)
        if let memoKey, let known = memo.decisions(for: memoKey.0) { return known }
        let result = policies.check(principal: principal.checkPrincipal, resource: resource.checkResource, actions: actions,
                                    options: engine.options, now: CELTimestamp(Date()))
        if !result.validationErrors.isEmpty {
            logger.warning("attributes do not match the policy schema", metadata: [
                "principal": .string(principal.id), "resource_kind": .string(resource.kind), "resource_id": .string(resource.id),
                "errors": .array(result.validationErrors.map { .string("\($0.source.rawValue) \($0.path): \($0.message)") }),
            ])
        }
        if !result.evaluationErrors.isEmpty {
            logger.warning("policy conditions failed to evaluate and counted as not met", metadata: [
                "principal": .string(principal.id), "resource_kind": .string(resource.kind), "resource_id": .string(resource.id),
                "errors": .array(result.evaluationErrors.map { .string($0) }),
            ])
        }
        let decisions = result.actions.map { AuthorizationDecision(action: $0.action, allowed: $0.effect == .allow, policy: $0.policy, scope: $0.scope) }
        if let memoKey, !result.readClock, result.validationErrors.isEmpty, result.evaluationErrors.isEmpty {
            memo.remember(decisions, for: memoKey.0, attributes: memoKey.1)
        }
        return decisions
    }
}
