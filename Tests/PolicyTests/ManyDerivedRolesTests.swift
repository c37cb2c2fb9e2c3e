import CEL
import Testing
@testable import Policy

/// A check keeps each derived role's result in a compact table; sets with more derived roles than it
/// holds inline must decide the same way.
@Suite("many derived roles")
struct ManyDerivedRolesTests {
    static func policies(roles count: Int) -> [String: String] {
        var definitions = ""
        for index in 0..<count {
            definitions += """

                    - name: level_\(index)
                      parentRoles: ["user"]
                      condition:
                        match:
                          expr: R.attr.level == \(index)
                """
        }
        var rules = ""
        for index in stride(from: 0, to: count, by: 1) {
            rules += """

                    - actions: ["act_\(index)"]
                      effect: EFFECT_ALLOW
                      derivedRoles: ["level_\(index)"]
                """
        }
        return [
            "roles.yaml": "apiVersion: api.cerbos.dev/v1\nderivedRoles:\n  name: levels\n  definitions:" + definitions + "\n",
            "doc.yaml": "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  importDerivedRoles: [levels]\n  rules:" + rules + "\n",
        ]
    }

    @Test(arguments: [3, 40, 130, 200])
    func eachLevelAllowsOnlyItsOwnAction(count: Int) {
        let set = compilePolicies(Self.policies(roles: count))
        for level in [0, count / 2, count - 1] {
            let actions = ["act_0", "act_\(count / 2)", "act_\(count - 1)"]
            let result = set.check(principal("alice", ["user"]), resource("doc", attr: "{level: \(level)}"), actions)
            for action in actions {
                #expect(result.isAllowed(action) == (action == "act_\(level)"), "level \(level), \(action)")
            }
            #expect(result.effectiveDerivedRoles == ["level_\(level)"])
        }
    }
}
