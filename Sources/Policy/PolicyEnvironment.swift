import CEL

/// The CEL environment conditions are compiled in: `request`, `P`, `R`, `runtime`, `G`/`globals` and the
/// extension and Cerbos function libraries. The paths conditions read most (`P.attr`, `R.attr`, `P.id`, …)
/// have slots of their own, so a check fills a few slots instead of building the request object; the whole
/// objects are built only when some policy reads them as values.
enum PolicyEnvironment {
    enum Slot {
        static let request = 0
        static let principal = 1
        static let resource = 2
        static let runtime = 3
        static let globals = 4
        static let principalID = 5
        static let principalRoles = 6
        static let principalAttr = 7
        static let principalVersion = 8
        static let principalScope = 9
        static let resourceKind = 10
        static let resourceID = 11
        static let resourceAttr = 12
        static let resourceVersion = 13
        static let resourceScope = 14
        static let auxData = 15
        static let effectiveDerivedRoles = 16
        static let count = 17

        /// Slots holding whole objects, built from the leaf slots only when read.
        static let composite: Set<Int> = [request, principal, resource, runtime]
    }

    static let environment: CELEnvironment = {
        let variables = [
            "request", "request.principal", "request.resource", "runtime", "globals",
            "request.principal.id", "request.principal.roles", "request.principal.attr", "request.principal.policyVersion",
            "request.principal.scope",
            "request.resource.kind", "request.resource.id", "request.resource.attr", "request.resource.policyVersion",
            "request.resource.scope",
            "request.auxData", "runtime.effectiveDerivedRoles",
        ]
        var aliases: [String: String] = [
            "P": "request.principal", "R": "request.resource", "G": "globals",
            "request.aux_data": "request.auxData",
            "runtime.effective_derived_roles": "runtime.effectiveDerivedRoles",
            "request.principal.policy_version": "request.principal.policyVersion",
            "request.resource.policy_version": "request.resource.policyVersion",
        ]
        for field in ["id", "roles", "attr", "policyVersion", "policy_version", "scope"] {
            aliases["P.\(field)"] = "request.principal.\(field == "policy_version" ? "policyVersion" : field)"
        }
        for field in ["kind", "id", "attr", "policyVersion", "policy_version", "scope"] {
            aliases["R.\(field)"] = "request.resource.\(field == "policy_version" ? "policyVersion" : field)"
        }
        return CELEnvironment(variables: variables, aliases: aliases, functions: CELExtensions.all + CELCerbosFunctions.all)
    }()
}
