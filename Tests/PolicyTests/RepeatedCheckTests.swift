import CEL
import Testing
@testable import Policy

/// A thread reuses its evaluation state from one check to the next (variables, derived roles, CEL
/// slots): nothing of an earlier check, or of another policy set, may show in the next one.
@Suite("repeated checks")
struct RepeatedCheckTests {
    static let departments: [String: String] = [
        "roles.yaml": """
            apiVersion: api.cerbos.dev/v1
            derivedRoles:
              name: depts
              variables:
                local:
                  mine: P.attr.dept
                  same: V.mine == R.attr.dept
                  senior: V.same && P.attr.level >= 3
              definitions:
                - name: colleague
                  parentRoles: ["user"]
                  condition:
                    match:
                      expr: V.same
                - name: senior_colleague
                  parentRoles: ["user"]
                  condition:
                    match:
                      expr: V.senior
            """,
        "doc.yaml": """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: doc
              version: default
              importDerivedRoles: [depts]
              rules:
                - actions: ["read"]
                  effect: EFFECT_ALLOW
                  derivedRoles: ["colleague"]
                - actions: ["approve"]
                  effect: EFFECT_ALLOW
                  derivedRoles: ["senior_colleague"]
            """,
    ]

    static let owners: [String: String] = [
        "doc.yaml": """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: doc
              version: default
              rules:
                - actions: ["read", "approve"]
                  effect: EFFECT_ALLOW
                  roles: ["user"]
                  condition:
                    match:
                      expr: R.attr.owner == P.id
            """,
    ]

    @Test func variablesAreRecomputedForEveryCheck() {
        let set = compilePolicies(Self.departments)
        let doc = resource("doc", attr: "{dept: sales}")
        for _ in 0..<3 {
            let senior = set.check(principal("ann", ["user"], attr: "{dept: sales, level: 4}"), doc, ["read", "approve"])
            #expect(senior.effects == ["read": allow, "approve": allow])
            #expect(senior.effectiveDerivedRoles == ["colleague", "senior_colleague"])
            let junior = set.check(principal("bob", ["user"], attr: "{dept: sales, level: 1}"), doc, ["read", "approve"])
            #expect(junior.effects == ["read": allow, "approve": deny])
            #expect(junior.effectiveDerivedRoles == ["colleague"])
            let outsider = set.check(principal("cid", ["user"], attr: "{dept: ops, level: 9}"), doc, ["read", "approve"])
            #expect(outsider.effects == ["read": deny, "approve": deny])
            #expect(outsider.effectiveDerivedRoles == [])
        }
    }

    @Test func alternatingPolicySetsDoNotSeeEachOthersValues() {
        let departments = compilePolicies(Self.departments)
        let owners = compilePolicies(Self.owners)
        for _ in 0..<3 {
            let byDepartment = departments.check(principal("ann", ["user"], attr: "{dept: sales, level: 4}"), resource("doc", attr: "{dept: sales}"), ["read"])
            #expect(byDepartment.effects == ["read": allow])
            // The owners set reads P.id and R.attr.owner only; the previous check's attributes must not leak in.
            let notOwner = owners.check(principal("ann", ["user"]), resource("doc", attr: "{dept: sales}"), ["read"])
            #expect(notOwner.effects == ["read": deny])
            let owner = owners.check(principal("ann", ["user"]), resource("doc", attr: "{owner: ann}"), ["read"])
            #expect(owner.effects == ["read": allow])
            let missingAttributes = departments.check(principal("ann", ["user"]), resource("doc"), ["read"])
            #expect(missingAttributes.effects == ["read": deny])
        }
    }
}
