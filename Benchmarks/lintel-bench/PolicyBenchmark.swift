import CEL
import Foundation
import Policy

/// The embedded decision point on one core: a typical check (one resource, three actions, a derived role
/// with a CEL condition), timed one check at a time after a warm-up. Reports the median and p99 check
/// time and checks per second.
enum PolicyBenchmark {
    static let typical = """
        apiVersion: api.cerbos.dev/v1
        derivedRoles:
          name: common_roles
          definitions:
            - name: owner
              parentRoles: ["user"]
              condition:
                match:
                  expr: R.attr.owner == P.id
        ---
        apiVersion: api.cerbos.dev/v1
        resourcePolicy:
          resource: leave_request
          version: default
          importDerivedRoles: [common_roles]
          rules:
            - actions: ["view", "submit"]
              effect: EFFECT_ALLOW
              derivedRoles: ["owner"]
            - actions: ["approve"]
              effect: EFFECT_ALLOW
              roles: ["manager"]
              condition:
                match:
                  expr: R.attr.status == "PENDING_APPROVAL" && R.attr.department == P.attr.department
        """

    struct Case {
        var name: String
        var policies: PolicySet
        var principal: CheckPrincipal
        var resource: CheckResource
        var actions: [String]
    }

    static func map(_ pairs: [(String, CELValue)]) -> CELMap {
        var map = CELMap()
        for (key, value) in pairs { map[.string(key)] = value }
        return map
    }

    static func cases(repositoryPolicies: String) throws -> [Case] {
        let typicalSet = try PolicyLoader.compile([PolicyLoader.Source(path: "typical.yaml", text: typical)])
        let lintelSet = try PolicyLoader.load(directory: repositoryPolicies)
        return [
            Case(name: "typical check (derived role, 3 actions)", policies: typicalSet,
                 principal: CheckPrincipal(id: "alice", roles: ["user"], attributes: map([("department", .string("accounting"))])),
                 resource: CheckResource(kind: "leave_request", id: "XX125",
                                         attributes: map([("owner", .string("alice")), ("status", .string("PENDING_APPROVAL")), ("department", .string("accounting"))])),
                 actions: ["view", "approve", "submit"]),
            Case(name: "Lintel team check (policies/, 3 actions)", policies: lintelSet,
                 principal: CheckPrincipal(id: "bob", roles: ["user", "team_admin"], attributes: map([
                     ("org_id", .string("acme")), ("org_roles", .list([])), ("team_ids", .list([.string("t1")])),
                     ("team_roles", .map(map([("t1", .list([.string("team_admin")]))]))), ("license_tier", .string("pro")),
                     ("features", .list([])), ("mfa", .bool(false)),
                 ])),
                 resource: CheckResource(kind: "team", id: "t1", attributes: map([("org_id", .string("acme")), ("team_id", .string("t1"))])),
                 actions: ["read", "update", "list_members"]),
        ]
    }

    static func run(repositoryPolicies: String, iterations: Int, only: String? = nil) throws {
        let options = CheckOptions()
        let now = CELTimestamp(Date())
        for item in try cases(repositoryPolicies: repositoryPolicies) where only.map({ item.name.hasPrefix($0) }) ?? true {
            var effects = ""
            for _ in 0..<20_000 {
                let result = item.policies.check(principal: item.principal, resource: item.resource, actions: item.actions, options: options, now: now)
                effects = result.actions.map { "\($0.action)=\($0.effect == .allow ? "allow" : "deny")" }.joined(separator: " ")
            }
            // Timed in batches of 50 checks, so the clock's own cost stays out of the figure; the median
            // is taken over the batches' per-check times.
            let batch = 50
            var samples = [Double](repeating: 0, count: max(1, iterations / batch))
            let clock = ContinuousClock()
            let total = clock.measure {
                for index in samples.indices {
                    let start = clock.now
                    for _ in 0..<batch {
                        let result = item.policies.check(principal: item.principal, resource: item.resource, actions: item.actions, options: options, now: now)
                        precondition(result.actions.count == item.actions.count)
                    }
                    let elapsed = clock.now - start
                    samples[index] = (Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6) / Double(batch)
                }
            }
            samples.sort()
            let median = samples[samples.count / 2]
            let p99 = samples[Int(Double(samples.count) * 0.99)]
            let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
            print(String(format: "%-48@ median %6.2f µs   p99 %6.2f µs   %9.0f checks/s on one core   (%@)",
                         item.name as NSString, median, p99, Double(samples.count * batch) / seconds, effects as NSString))
        }
    }
}
