import CEL
import Testing

@testable import Policy

/// Scoped resource policies: the scope chain, lenient search and scope permissions (cerbos-digest §3.3–§3.5,
/// §3.11, examples E22–E29).
@Suite struct ScopeTests {
    static let rpc: String = "SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS"

    /// `leave_request` at the root, `acme`, `acme.hr` and `acme.hr.uk`, each allowing employees one more thing.
    static let leaveRequests: [String: String] = [
        "derived.yaml": """
            apiVersion: api.cerbos.dev/v1
            derivedRoles:
              name: managers
              definitions:
                - name: direct_manager
                  parentRoles: [manager]
                  condition:
                    match:
                      expr: R.attr.manager == P.id
            """,
        "root.yaml": scopedPolicy("leave_request", scope: "", rules: allowRule("list, approve", roles: "employee")),
        "acme.yaml": scopedPolicy("leave_request", scope: "acme", rules: allowRule("create", roles: "employee")),
        "acme.hr.yaml": """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: leave_request
              version: default
              scope: acme.hr
              importDerivedRoles: [managers]
              rules:
                - actions: ["view:public", redirect]
                  effect: EFFECT_ALLOW
                  roles: [employee]
                - actions: [delete]
                  effect: EFFECT_ALLOW
                  derivedRoles: [direct_manager]
            """,
        "acme.hr.uk.yaml": scopedPolicy("leave_request", scope: "acme.hr.uk",
                                        rules: allowRule("delete, assist", roles: "employee") + "\n" + denyRule("approve", roles: "employee")),
    ]

    // MARK: Scope chain

    @Test func mostSpecificScopeWithADecisionWins() {
        let set = compilePolicies(Self.leaveRequests)
        let result = set.check(principal("john", ["employee"]), resource("leave_request", scope: "acme.hr.uk"),
                               ["delete", "view:public", "create", "list", "approve", "cancel"])
        let key = "resource.leave_request.vdefault/acme.hr.uk"
        #expect(result.actions == [
            ActionDecision(action: "delete", effect: .allow, policy: key, scope: "acme.hr.uk"),
            ActionDecision(action: "view:public", effect: .allow, policy: key, scope: "acme.hr"),
            ActionDecision(action: "create", effect: .allow, policy: key, scope: "acme"),
            ActionDecision(action: "list", effect: .allow, policy: key, scope: ""),
            // The root allows approve, but acme.hr.uk denies it first.
            ActionDecision(action: "approve", effect: .deny, policy: key, scope: "acme.hr.uk"),
            ActionDecision(action: "cancel", effect: .deny, policy: key, scope: ""),
        ])
    }

    @Test func rulesOfDescendantScopesDoNotApplyHigherUp() {
        let set = compilePolicies(Self.leaveRequests)
        let result = set.check(principal("john", ["employee"]), resource("leave_request", attr: "{manager: mary}", scope: "acme.hr"), ["delete", "approve"])
        #expect(result.decision("delete") == ActionDecision(action: "delete", effect: .deny, policy: "resource.leave_request.vdefault/acme.hr", scope: ""))
        #expect(result.decision("approve") == ActionDecision(action: "approve", effect: .allow, policy: "resource.leave_request.vdefault/acme.hr", scope: ""))
        let manager = set.check(principal("mary", ["manager"]), resource("leave_request", attr: "{manager: mary}", scope: "acme.hr"), ["delete"])
        #expect(manager.decision("delete") == ActionDecision(action: "delete", effect: .allow, policy: "resource.leave_request.vdefault/acme.hr", scope: "acme.hr"))
        #expect(manager.effectiveDerivedRoles == ["direct_manager"])
    }

    @Test func requestedScopeMustExistUnlessSearchIsLenient() {
        let set = compilePolicies(Self.leaveRequests)
        let deep = resource("leave_request", scope: "acme.hr.uk.wales.cardiff")
        let strict = set.check(principal("john", ["employee"]), deep, ["delete", "create"])
        #expect(strict.actions.allSatisfy { $0.effect == .deny && $0.policy == "NO_MATCH" && $0.scope.isEmpty })

        var options = CheckOptions()
        options.lenientScopeSearch = true
        let lenient = set.check(principal("john", ["employee"]), deep, ["delete", "create"], options: options)
        #expect(lenient.actions == [
            ActionDecision(action: "delete", effect: .allow, policy: "resource.leave_request.vdefault/acme.hr.uk", scope: "acme.hr.uk"),
            ActionDecision(action: "create", effect: .allow, policy: "resource.leave_request.vdefault/acme.hr.uk", scope: "acme"),
        ])
    }

    @Test func dotScopeIsTheRoot() {
        let set = compilePolicies(Self.leaveRequests)
        let dot = set.check(principal("john", ["employee"], scope: "."), resource("leave_request", scope: "."), ["list", "create"])
        #expect(dot.actions == [
            ActionDecision(action: "list", effect: .allow, policy: "resource.leave_request.vdefault", scope: ""),
            ActionDecision(action: "create", effect: .deny, policy: "resource.leave_request.vdefault", scope: ""),
        ])
    }

    @Test func defaultScopeAppliesToRequestsWithoutOneButNotToDot() {
        let set = compilePolicies(Self.leaveRequests)
        var options = CheckOptions()
        options.defaultScope = "acme"
        let unscoped = set.check(principal("john", ["employee"]), resource("leave_request"), ["create"], options: options)
        #expect(unscoped.decision("create") == ActionDecision(action: "create", effect: .allow, policy: "resource.leave_request.vdefault/acme", scope: "acme"))
        let root = set.check(principal("john", ["employee"]), resource("leave_request", scope: "."), ["create"], options: options)
        #expect(root.decision("create") == ActionDecision(action: "create", effect: .deny, policy: "resource.leave_request.vdefault", scope: ""))
    }

    @Test func scopedPolicyWithoutRulesFallsThroughToItsParent() {
        var files = Self.leaveRequests
        files["bristol.yaml"] = """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: leave_request
              version: default
              scope: acme.hr.uk.bristol
            """
        let set = compilePolicies(files)
        let result = set.check(principal("john", ["employee"]), resource("leave_request", scope: "acme.hr.uk.bristol"), ["delete"])
        #expect(result.decision("delete") == ActionDecision(action: "delete", effect: .allow, policy: "resource.leave_request.vdefault/acme.hr.uk.bristol", scope: "acme.hr.uk"))
    }

    @Test func strictEvaluationErrorNamesThePolicyAndScopeOfTheFailingRule() {
        var files = Self.leaveRequests
        files["acme.yaml"] = scopedPolicy("leave_request", scope: "acme", rules: """
                - actions: [create]
                  effect: EFFECT_DENY
                  roles: [employee]
                  condition:
                    match:
                      expr: R.attr.locked == true
            """ + "\n" + allowRule("create", roles: "employee"))
        let set = compilePolicies(files)
        var options = CheckOptions()
        options.strictEvaluation = true
        let strict = set.check(principal("john", ["employee"]), resource("leave_request", scope: "acme.hr.uk"), ["create", "delete"], options: options)
        #expect(strict.actions == [
            ActionDecision(action: "create", effect: .deny, policy: "resource.leave_request.vdefault/acme", scope: "acme"),
            ActionDecision(action: "delete", effect: .allow, policy: "resource.leave_request.vdefault/acme.hr.uk", scope: "acme.hr.uk"),
        ])
        let lenient = set.check(principal("john", ["employee"]), resource("leave_request", scope: "acme.hr.uk"), ["create"])
        #expect(lenient.decision("create") == ActionDecision(action: "create", effect: .allow, policy: "resource.leave_request.vdefault/acme.hr.uk", scope: "acme"))
    }

    @Test func effectiveDerivedRolesComeOnlyFromScopesTheCheckVisited() {
        let set = compilePolicies([
            "roles.yaml": ownersDerivedRoles,
            "root.yaml": resourcePolicy("doc", importing: "owners", rules: allowRule("edit", derivedRoles: "owner")),
            "acme.yaml": scopedPolicy("doc", scope: "acme", rules: allowRule("view", roles: "user")),
        ])
        let owned = resource("doc", attr: "{owner: alice}", scope: "acme")
        let view = set.check(principal("alice", ["user"]), owned, ["view"])
        #expect(view.decision("view") == ActionDecision(action: "view", effect: .allow, policy: "resource.doc.vdefault/acme", scope: "acme"))
        #expect(view.effectiveDerivedRoles.isEmpty)
        let edit = set.check(principal("alice", ["user"]), owned, ["edit"])
        #expect(edit.decision("edit") == ActionDecision(action: "edit", effect: .allow, policy: "resource.doc.vdefault/acme", scope: ""))
        #expect(edit.effectiveDerivedRoles == ["owner"])
    }

    // MARK: Scope permissions

    static let calendar: [String: String] = [
        "sales.yaml": scopedPolicy("calendar_entry", scope: "acme.sales", permissions: rpc, rules: """
                - actions: [create, delete]
                  effect: EFFECT_ALLOW
                  roles: [employee]
                - actions: [approve]
                  effect: EFFECT_ALLOW
                  roles: [employee]
                  condition:
                    match:
                      expr: R.attr.urgent == true
            """),
        "acme.yaml": scopedPolicy("calendar_entry", scope: "acme", permissions: "SCOPE_PERMISSIONS_OVERRIDE_PARENT",
                                  rules: allowRule("create", roles: "employee") + "\n" + allowRule("move", roles: "admin")),
        "root.yaml": scopedPolicy("calendar_entry", scope: "", rules: allowRule("nonaction, plan, approve", roles: "employee")),
    ]

    @Test func childAllowNeedsParentalConsent() {
        let set = compilePolicies(Self.calendar)
        let result = set.check(principal("john", ["employee"]), resource("calendar_entry", scope: "acme.sales"), ["create", "delete", "nonaction"])
        let key = "resource.calendar_entry.vdefault/acme.sales"
        #expect(result.actions == [
            ActionDecision(action: "create", effect: .allow, policy: key, scope: "acme"),
            ActionDecision(action: "delete", effect: .deny, policy: key, scope: ""),
            ActionDecision(action: "nonaction", effect: .allow, policy: key, scope: ""),
        ])
    }

    @Test func conditionalAllowUnderParentalConsentDeniesWhenItsConditionFails() {
        let set = compilePolicies(Self.calendar)
        let key = "resource.calendar_entry.vdefault/acme.sales"
        let notUrgent = set.check(principal("john", ["employee"]), resource("calendar_entry", attr: "{urgent: false}", scope: "acme.sales"), ["approve"])
        #expect(notUrgent.decision("approve") == ActionDecision(action: "approve", effect: .deny, policy: key, scope: "acme.sales"))
        let missing = set.check(principal("john", ["employee"]), resource("calendar_entry", scope: "acme.sales"), ["approve"])
        #expect(missing.decision("approve") == ActionDecision(action: "approve", effect: .deny, policy: key, scope: "acme.sales"))
        // A met condition still needs the parents: the root allows approve.
        let urgent = set.check(principal("john", ["employee"]), resource("calendar_entry", attr: "{urgent: true}", scope: "acme.sales"), ["approve"])
        #expect(urgent.decision("approve") == ActionDecision(action: "approve", effect: .allow, policy: key, scope: ""))
    }

    @Test func parentalConsentAtTheRootNeverAllows() {
        let set = compilePolicies(["root.yaml": scopedPolicy("memo", scope: "", permissions: Self.rpc, rules: allowRule("view", roles: "user"))])
        #expect(set.check(principal("a", ["user"]), resource("memo"), ["view"]).effect("view") == deny)
    }

    @Test func overridingScopeUnderAConsentScopeDecidesByItself() {
        let set = compilePolicies([
            "root.yaml": scopedPolicy("party", scope: "", rules: allowRule("tidy", roles: "organiser")),
            "brighton.yaml": scopedPolicy("party", scope: "brighton", permissions: Self.rpc, rules: allowRule("plan", roles: "organiser")),
            "kemptown.yaml": scopedPolicy("party", scope: "brighton.kemptown", permissions: "SCOPE_PERMISSIONS_OVERRIDE_PARENT",
                                          rules: allowRule("celebrate", roles: "organiser")),
        ])
        let result = set.check(principal("a", ["organiser"]), resource("party", scope: "brighton.kemptown"), ["celebrate", "plan", "tidy"])
        let key = "resource.party.vdefault/brighton.kemptown"
        #expect(result.actions == [
            ActionDecision(action: "celebrate", effect: .allow, policy: key, scope: "brighton.kemptown"),
            ActionDecision(action: "plan", effect: .deny, policy: key, scope: ""),
            ActionDecision(action: "tidy", effect: .allow, policy: key, scope: ""),
        ])
    }
}
