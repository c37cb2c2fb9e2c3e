import CEL
import Testing

@testable import Policy

/// Rule outputs, effective derived roles and the matched policy/scope a caller sees (cerbos-digest §1.9, §3.7,
/// §3.9, examples E33, E37, E38, E41).
@Suite struct OutputTests {
    static let equipment: [String: String] = [
        "roles.yaml": """
            apiVersion: api.cerbos.dev/v1
            derivedRoles:
              name: equipment_roles
              definitions:
                - name: any_employee
                  parentRoles: [employee]
            """,
        "equipment.yaml": """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: equipment_request
              version: default
              importDerivedRoles: [equipment_roles]
              rules:
                - name: output-assign
                  actions: [assign]
                  effect: EFFECT_ALLOW
                  derivedRoles: [any_employee]
                  condition:
                    match:
                      expr: R.attr.ownerId == P.id
                  output:
                    when:
                      ruleActivated: '"assign_rule_activated"'
                      conditionNotMet: '"assign_condition_not_met"'
                - name: public-view
                  actions: [view]
                  effect: EFFECT_ALLOW
                  roles: ["*"]
                  output:
                    expr: '{"id": R.id, "by": P.id, "count": 2}'
                - name: output-error
                  actions: [error]
                  effect: EFFECT_ALLOW
                  roles: ["*"]
                  output:
                    when:
                      ruleActivated: 1/0
                - actions: [both]
                  effect: EFFECT_ALLOW
                  roles: ["*"]
                  output:
                    expr: '"from expr"'
                    when:
                      ruleActivated: '"from when"'
            """,
    ]

    @Test func conditionNotMetOutputAccompaniesADenial() {
        let set = compilePolicies(Self.equipment)
        let result = set.check(principal("john", ["employee"]), resource("equipment_request", attr: "{ownerId: mary}"), ["assign"])
        #expect(result.effect("assign") == deny)
        #expect(result.outputTexts("assign") == [#"resource.equipment_request.vdefault#output-assign="assign_condition_not_met""#])
    }

    @Test func ruleActivatedOutputAccompaniesTheAllow() {
        let set = compilePolicies(Self.equipment)
        let result = set.check(principal("john", ["employee"]), resource("equipment_request", attr: "{ownerId: john}"), ["assign"])
        #expect(result.effect("assign") == allow)
        #expect(result.outputTexts("assign") == [#"resource.equipment_request.vdefault#output-assign="assign_rule_activated""#])
        #expect(result.effectiveDerivedRoles == ["any_employee"])
    }

    @Test func outputsAreAnyCELValue() {
        let set = compilePolicies(Self.equipment)
        let result = set.check(principal("john", ["employee"]), resource("equipment_request", id: "EQ1"), ["view"])
        #expect(result.effect("view") == allow)
        #expect(result.outputs.count == 1)
        let output = result.outputs[0]
        #expect(output.source == "resource.equipment_request.vdefault#public-view")
        #expect(output.action == "view")
        #expect(output.error == nil)
        #expect(output.value.map { PolicyJSON.equal($0, .map(attributes(#"{id: EQ1, by: john, count: 2}"#))) } == true)
    }

    @Test func failingOutputExpressionReportsAnErrorButKeepsTheEffect() {
        let set = compilePolicies(Self.equipment)
        let result = set.check(principal("john", ["employee"]), resource("equipment_request"), ["error"])
        #expect(result.effect("error") == allow)
        #expect(result.outputs.count == 1)
        #expect(result.outputs.first?.source == "resource.equipment_request.vdefault#output-error")
        #expect(result.outputs.first?.action == "error")
        #expect(result.outputs.first?.value == nil)
        #expect(result.outputs.first?.error?.contains("division by zero") == true)
    }

    @Test func whenRuleActivatedWinsOverTheDeprecatedExpr() {
        let set = compilePolicies(Self.equipment)
        let result = set.check(principal("john", ["employee"]), resource("equipment_request"), ["both"])
        #expect(result.outputTexts("both") == [#"resource.equipment_request.vdefault#rule-004="from when""#])
    }

    @Test func noOutputsWhenNoRuleWithAnOutputMatched() {
        let set = compilePolicies(Self.equipment)
        let result = set.check(principal("john", ["guest"]), resource("equipment_request"), ["assign", "missing"])
        #expect(result.outputs.isEmpty)
        #expect(result.effects == ["assign": deny, "missing": deny])
    }

    @Test func ruleMatchedUnderSeveralRolesEmitsOncePerRole() {
        let set = compilePolicies(["doc.yaml": """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: doc
              version: default
              rules:
                - name: never
                  actions: [view]
                  effect: EFFECT_DENY
                  roles: ["*"]
                  condition:
                    match:
                      expr: "false"
                  output:
                    when:
                      conditionNotMet: '"not met"'
            """])
        let result = set.check(principal("a", ["a", "b"]), resource("doc"), ["view"])
        #expect(result.effect("view") == deny)
        #expect(result.outputTexts("view") == [#"resource.doc.vdefault#never="not met""#, #"resource.doc.vdefault#never="not met""#])
    }

    @Test func conditionThatFailsToEvaluateEmitsConditionNotMet() {
        let set = compilePolicies(["doc.yaml": """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: doc
              version: default
              rules:
                - name: flagged
                  actions: [view]
                  effect: EFFECT_ALLOW
                  roles: [user]
                  condition:
                    match:
                      expr: R.attr.flagged == false
                  output:
                    when:
                      ruleActivated: '"shown"'
                      conditionNotMet: '"hidden"'
            """])
        let result = set.check(principal("a", ["user"]), resource("doc"), ["view"])
        #expect(result.effect("view") == deny)
        #expect(result.outputTexts("view") == [#"resource.doc.vdefault#flagged="hidden""#])
        #expect(!result.evaluationErrors.isEmpty)
    }

    @Test func principalPolicyOutputsNameTheResourceRule() {
        let set = compilePolicies([
            "terry.yaml": principalPolicy("terry_tibbs", scope: "", rules: """
                    - resource: leave_request
                      actions:
                        - action: create
                          effect: EFFECT_ALLOW
                          output:
                            expr: '"created by " + P.id'
                        - action: view
                          name: view-rule
                          effect: EFFECT_ALLOW
                          output:
                            when:
                              ruleActivated: P.attr.level
                """),
        ])
        let result = set.check(principal("terry_tibbs", ["user"], attr: "{level: 3}"), resource("leave_request"), ["create", "view"])
        #expect(result.effects == ["create": allow, "view": allow])
        #expect(result.outputTexts("create") == [#"principal.terry_tibbs.vdefault#leave_request_rule-001="created by terry_tibbs""#])
        #expect(result.outputTexts("view") == ["principal.terry_tibbs.vdefault#view-rule=3"])
    }

    @Test func scopedRuleOutputsNameTheirOwnPolicy() {
        let set = compilePolicies([
            "root.yaml": scopedPolicy("leave_request", scope: "", rules: """
                    - actions: [view]
                      effect: EFFECT_ALLOW
                      roles: [user]
                      output:
                        expr: '"root"'
                """),
            "acme.yaml": scopedPolicy("leave_request", scope: "acme", rules: """
                    - actions: [view]
                      effect: EFFECT_ALLOW
                      roles: [admin]
                      output:
                        expr: '"acme"'
                """),
        ])
        let result = set.check(principal("a", ["user"]), resource("leave_request", scope: "acme"), ["view"])
        #expect(result.decision("view") == ActionDecision(action: "view", effect: .allow, policy: "resource.leave_request.vdefault/acme", scope: ""))
        #expect(result.outputTexts("view") == [#"resource.leave_request.vdefault#rule-001="root""#])
    }

    @Test func rolePolicyConditionalAllowActionsSwapTheirOutputs() {
        let set = compilePolicies([
            "root.yaml": scopedPolicy("leave_request", scope: "", rules: allowRule("view", roles: "employee")),
            "acme.yaml": scopedPolicy("leave_request", scope: "acme", rules: allowRule("create", roles: "employee")),
            "london.yaml": """
                apiVersion: api.cerbos.dev/v1
                rolePolicy:
                  role: acme_london_employee
                  scope: acme.hr.uk.london
                  parentRoles: [employee]
                  constants:
                    local:
                      home_city: london
                  variables:
                    local:
                      principal_in_home_city: P.attr.city == C.home_city
                  rules:
                    - name: city_check
                      resource: "*"
                      allowActions: [create]
                      condition:
                        match:
                          expr: V.principal_in_home_city
                      output:
                        when:
                          ruleActivated: '"%s_in_%s".format([P.id, C.home_city])'
                          conditionNotMet: '"%s_not_in_%s".format([P.id, C.home_city])'
                """,
        ])
        let london = resource("leave_request", scope: "acme.hr.uk.london")
        let source = "role.acme_london_employee.vdefault/acme.hr.uk.london#city_check"

        let home = set.check(principal("john", ["acme_london_employee"], attr: "{city: london}"), london, ["create"])
        #expect(home.decision("create") == ActionDecision(action: "create", effect: .allow, policy: "resource.leave_request.vdefault/acme.hr.uk.london", scope: "acme"))
        #expect(home.outputTexts("create") == [#"\#(source)="john_in_london""#])

        let away = set.check(principal("john", ["acme_london_employee"]), london, ["create"])
        #expect(away.decision("create") == ActionDecision(action: "create", effect: .deny, policy: "role.acme_london_employee.vdefault/acme.hr.uk.london", scope: "acme.hr.uk.london"))
        #expect(away.outputTexts("create") == [#"\#(source)="john_not_in_london""#])
    }

    @Test func ruleForADerivedRoleThePrincipalLacksEmitsNothing() {
        let set = compilePolicies([
            "roles.yaml": ownersDerivedRoles,
            "doc.yaml": resourcePolicy("doc", importing: "owners", rules: """
                    - name: owner-edit
                      actions: [edit]
                      effect: EFFECT_ALLOW
                      derivedRoles: [owner]
                      condition:
                        match:
                          expr: R.attr.locked == false
                      output:
                        when:
                          ruleActivated: '"edited"'
                          conditionNotMet: '"locked"'
                """),
        ])
        let stranger = set.check(principal("bob", ["user"]), resource("doc", attr: "{owner: alice, locked: true}"), ["edit"])
        #expect(stranger.effect("edit") == deny)
        #expect(stranger.outputs.isEmpty)
        let owner = set.check(principal("alice", ["user"]), resource("doc", attr: "{owner: alice, locked: true}"), ["edit"])
        #expect(owner.effect("edit") == deny)
        #expect(owner.outputTexts("edit") == [#"resource.doc.vdefault#owner-edit="locked""#])
    }

    // MARK: Effective derived roles

    @Test func effectiveDerivedRolesStayEmptyWhenPrincipalPoliciesDecideEverything() {
        var files = Self.equipment
        files["john.yaml"] = principalPolicy("john", scope: "", rules: """
                - resource: equipment_request
                  actions:
                    - action: "*"
                      effect: EFFECT_ALLOW
            """)
        let set = compilePolicies(files)
        let result = set.check(principal("john", ["employee"]), resource("equipment_request", attr: "{ownerId: john}"), ["assign"])
        #expect(result.decision("assign") == ActionDecision(action: "assign", effect: .allow, policy: "principal.john.vdefault", scope: ""))
        #expect(result.effectiveDerivedRoles.isEmpty)
        #expect(result.outputs.isEmpty)
    }

    @Test func effectiveDerivedRolesListOnlyRolesTheResourcePolicyUses() {
        let set = compilePolicies([
            "roles.yaml": """
                apiVersion: api.cerbos.dev/v1
                derivedRoles:
                  name: common
                  definitions:
                    - name: owner
                      parentRoles: [user]
                      condition:
                        match:
                          expr: R.attr.owner == P.id
                    - name: anyone
                      parentRoles: ["*"]
                    - name: broken
                      parentRoles: [user]
                      condition:
                        match:
                          expr: R.attr.missing == 1
                """,
            "doc.yaml": """
                apiVersion: api.cerbos.dev/v1
                resourcePolicy:
                  resource: doc
                  version: default
                  importDerivedRoles: [common]
                  rules:
                    - actions: [edit]
                      effect: EFFECT_ALLOW
                      derivedRoles: [owner, broken]
                """,
        ])
        let result = set.check(principal("alice", ["user"]), resource("doc", attr: "{owner: alice}"), ["edit"])
        #expect(result.effect("edit") == allow)
        #expect(result.effectiveDerivedRoles == ["owner"])
    }
}
