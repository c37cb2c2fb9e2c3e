import CEL
import Testing

@testable import Policy

/// Principal policies: decided before resource policies, scoped by the principal's scope (cerbos-digest §1.4,
/// §3.5, examples E16–E19, E27, E28).
@Suite struct PrincipalPolicyTests {

    static let donald: [String: String] = [
        "principal_root.yaml": principalPolicy("donald_duck", scope: "", rules: """
                - resource: salary_record
                  actions:
                    - action: "*"
                      effect: EFFECT_DENY
                - resource: leave_request
                  actions:
                    - action: "*"
                      effect: EFFECT_ALLOW
                      condition:
                        match:
                          expr: R.attr.dev_record == true
            """),
        "principal_acme.yaml": principalPolicy("donald_duck", scope: "acme", rules: """
                - resource: leave_request
                  actions:
                    - action: "*"
                      effect: EFFECT_ALLOW
                      condition:
                        match:
                          expr: V.is_dev_record
                    - action: "*"
                      effect: EFFECT_DENY
                      condition:
                        match:
                          expr: R.attr.owner == "mickey_mouse"
            """).replacingOccurrences(of: "  rules:", with: "  variables:\n    local:\n      is_dev_record: R.attr.dev_record == true\n  rules:"),
        "principal_acme_hr.yaml": principalPolicy("donald_duck", scope: "acme.hr", rules: """
                - resource: expenses
                  actions:
                    - action: view
                      effect: EFFECT_ALLOW
            """),
        "leave.yaml": scopedPolicy("leave_request", scope: "", rules: allowRule("\"view:public\"", roles: "employee")),
        "salary.yaml": scopedPolicy("salary_record", scope: "", rules: allowRule("view", roles: "employee")),
    ]

    @Test func principalDenyBeatsResourceAllow() {
        let set = compilePolicies(Self.donald)
        let donald = set.check(principal("donald_duck", ["employee"]), resource("salary_record"), ["view"])
        #expect(donald.decision("view") == ActionDecision(action: "view", effect: .deny, policy: "principal.donald_duck.vdefault", scope: ""))
        let daisy = set.check(principal("daisy_duck", ["employee"]), resource("salary_record"), ["view"])
        #expect(daisy.decision("view") == ActionDecision(action: "view", effect: .allow, policy: "resource.salary_record.vdefault", scope: ""))
    }

    @Test func principalRuleWhoseConditionFailsFallsThroughToResourcePolicies() {
        let set = compilePolicies(Self.donald)
        let plain = set.check(principal("donald_duck", ["employee"]), resource("leave_request"), ["view:public", "approve"])
        #expect(plain.actions == [
            ActionDecision(action: "view:public", effect: .allow, policy: "resource.leave_request.vdefault", scope: ""),
            ActionDecision(action: "approve", effect: .deny, policy: "resource.leave_request.vdefault", scope: ""),
        ])
        let dev = set.check(principal("donald_duck", ["employee"]), resource("leave_request", attr: "{dev_record: true}"), ["approve"])
        #expect(dev.decision("approve") == ActionDecision(action: "approve", effect: .allow, policy: "principal.donald_duck.vdefault", scope: ""))
    }

    @Test func principalDenyBeatsAllowInOneScopeAndReportsTheMostSpecificPolicy() {
        let set = compilePolicies(Self.donald)
        let p = principal("donald_duck", ["employee"], scope: "acme.hr")
        let both = set.check(p, resource("leave_request", attr: "{dev_record: true, owner: mickey_mouse}"), ["approve"])
        #expect(both.decision("approve") == ActionDecision(action: "approve", effect: .deny, policy: "principal.donald_duck.vdefault/acme.hr", scope: "acme"))
        let dev = set.check(p, resource("leave_request", attr: "{dev_record: true, owner: donald_duck}"), ["approve"])
        #expect(dev.decision("approve") == ActionDecision(action: "approve", effect: .allow, policy: "principal.donald_duck.vdefault/acme.hr", scope: "acme"))
    }

    @Test func principalPolicyAloneDecidesWhatItCovers() {
        let set = compilePolicies(Self.donald)
        let result = set.check(principal("donald_duck", ["employee"], scope: "acme.hr"), resource("expenses"), ["view", "edit"])
        #expect(result.actions == [
            ActionDecision(action: "view", effect: .allow, policy: "principal.donald_duck.vdefault/acme.hr", scope: "acme.hr"),
            ActionDecision(action: "edit", effect: .deny, policy: "NO_MATCH", scope: ""),
        ])
    }

    @Test func principalPolicyVersionFollowsThePrincipalsRequestedVersion() {
        let set = compilePolicies([
            "p.yaml": principalPolicy("daisy_duck", scope: "", version: "v1", rules: """
                    - resource: expenses
                      actions:
                        - action: view
                          effect: EFFECT_ALLOW
                """),
        ])
        let matching = set.check(principal("daisy_duck", ["user"], version: "v1"), resource("expenses", version: "v1"), ["view"])
        #expect(matching.decision("view") == ActionDecision(action: "view", effect: .allow, policy: "principal.daisy_duck.vv1", scope: ""))
        let other = set.check(principal("daisy_duck", ["user"]), resource("expenses", version: "v1"), ["view"])
        #expect(other.effect("view") == deny)
        // Documented semantics: the principal's version picks the principal policy, whatever the resource's
        // version is (Cerbos's code filters principal rules by the resource version instead, digest Q1/E40).
        let resourceDefault = set.check(principal("daisy_duck", ["user"], version: "v1"), resource("expenses"), ["view"])
        #expect(resourceDefault.decision("view") == ActionDecision(action: "view", effect: .allow, policy: "principal.daisy_duck.vv1", scope: ""))
    }

    static let consentingPrincipals: [String: String] = [
        "sales.yaml": principalPolicy("donald_duck", scope: "acme.sales", permissions: ScopeTests.rpc, rules: """
                - resource: calendar_entry
                  actions:
                    - action: duplicate
                      effect: EFFECT_ALLOW
                      condition:
                        match:
                          expr: P.attr.copy_cat == true
                    - action: plan
                      effect: EFFECT_ALLOW
            """),
        "acme.yaml": principalPolicy("donald_duck", scope: "acme", rules: """
                - resource: calendar_entry
                  actions:
                    - action: duplicate
                      effect: EFFECT_ALLOW
            """),
        "root.yaml": principalPolicy("donald_duck", scope: "", rules: """
                - resource: calendar_entry
                  actions:
                    - action: archive
                      effect: EFFECT_DENY
            """),
        "calendar.yaml": scopedPolicy("calendar_entry", scope: "", rules: allowRule("nonaction, plan", roles: "employee")),
    ]

    @Test func consentScopeConditionalPrincipalAllowThatFailsDenies() {
        let set = compilePolicies(Self.consentingPrincipals)
        let key = "principal.donald_duck.vdefault/acme.sales"
        let plain = set.check(principal("donald_duck", ["employee"], scope: "acme.sales"), resource("calendar_entry"), ["duplicate"])
        #expect(plain.decision("duplicate") == ActionDecision(action: "duplicate", effect: .deny, policy: key, scope: "acme.sales"))
        let copyCat = set.check(principal("donald_duck", ["employee"], attr: "{copy_cat: true}", scope: "acme.sales"), resource("calendar_entry"), ["duplicate"])
        #expect(copyCat.decision("duplicate") == ActionDecision(action: "duplicate", effect: .allow, policy: key, scope: "acme"))
    }

    @Test func consentScopePrincipalAllowWithoutParentsFallsThroughToResourcePolicies() {
        let set = compilePolicies(Self.consentingPrincipals)
        let result = set.check(principal("donald_duck", ["employee"], scope: "acme.sales"), resource("calendar_entry"), ["plan", "archive"])
        #expect(result.actions == [
            ActionDecision(action: "plan", effect: .allow, policy: "resource.calendar_entry.vdefault", scope: ""),
            ActionDecision(action: "archive", effect: .deny, policy: "principal.donald_duck.vdefault/acme.sales", scope: ""),
        ])
    }

    @Test func principalRulesMatchResourceAndActionPatterns() {
        let set = compilePolicies(["p.yaml": principalPolicy("auditor_bot", scope: "", rules: """
                - resource: "*"
                  actions:
                    - action: "view:*"
                      effect: EFFECT_ALLOW
                - resource: "billing:*"
                  actions:
                    - action: "*"
                      effect: EFFECT_DENY
            """)])
        let doc = set.check(principal("auditor_bot", ["bot"]), resource("doc"), ["view:summary", "view", "edit"])
        #expect(doc.effects == ["view:summary": allow, "view": deny, "edit": deny])
        #expect(doc.decision("view:summary").policy == "principal.auditor_bot.vdefault")
        let invoice = set.check(principal("auditor_bot", ["bot"]), resource("billing:invoice"), ["view:summary"])
        #expect(invoice.decision("view:summary") == ActionDecision(action: "view:summary", effect: .deny, policy: "principal.auditor_bot.vdefault", scope: ""))
    }
}
