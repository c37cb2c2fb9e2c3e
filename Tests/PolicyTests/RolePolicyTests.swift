import CEL
import Testing

@testable import Policy

/// Role policies: custom roles whose allowActions narrow what their parent roles may do (cerbos-digest §1.5,
/// §3.6, examples E30–E35).
@Suite struct RolePolicyTests {

    static let relics: [String: String] = [
        "role.yaml": rolePolicy("relic_specialist", parentRoles: "expedition_member", rules: allowActionsRule("view, polish", on: "temple_relic")),
        "temple.yaml": scopedPolicy("temple_relic", scope: "", rules: allowRule("edit, view", roles: "expedition_member")),
        "archive.yaml": scopedPolicy("archive_record", scope: "", rules: allowRule("edit, view", roles: "expedition_member")),
    ]

    @Test func rolePolicyAllowActionsAreExhaustive() {
        let set = compilePolicies(Self.relics)
        let specialist = set.check(principal("indy", ["relic_specialist"]), resource("temple_relic"), ["view", "edit", "delete"])
        #expect(specialist.actions == [
            ActionDecision(action: "view", effect: .allow, policy: "resource.temple_relic.vdefault", scope: ""),
            ActionDecision(action: "edit", effect: .deny, policy: "role.relic_specialist.vdefault", scope: ""),
            ActionDecision(action: "delete", effect: .deny, policy: "role.relic_specialist.vdefault", scope: ""),
        ])
        // Role policies never grant: polish is listed, but no resource policy allows it.
        let polish = set.check(principal("indy", ["relic_specialist"]), resource("temple_relic"), ["polish"])
        #expect(polish.decision("polish") == ActionDecision(action: "polish", effect: .deny, policy: "resource.temple_relic.vdefault", scope: ""))
        let member = set.check(principal("marion", ["expedition_member"]), resource("temple_relic"), ["edit"])
        #expect(member.effect("edit") == allow)
    }

    @Test func rolePolicyWithoutARuleForTheKindDeniesEverything() {
        let set = compilePolicies(Self.relics)
        let result = set.check(principal("indy", ["relic_specialist"]), resource("archive_record"), ["view", "edit"])
        #expect(result.actions.allSatisfy { $0.effect == .deny && $0.policy == "role.relic_specialist.vdefault" })
    }

    static let assistants: [String: String] = [
        "root.yaml": scopedPolicy("leave_request", scope: "", rules: allowRule("list", roles: "employee")),
        "acme.yaml": scopedPolicy("leave_request", scope: "acme", rules: allowRule("list", roles: "boss")),
        "acme.hr.yaml": scopedPolicy("leave_request", scope: "acme.hr", rules: allowRule("redirect, aid", roles: "employee")),
        "acme.hr.uk.yaml": scopedPolicy("leave_request", scope: "acme.hr.uk", rules: allowRule("assist, suggest", roles: "employee")
                                        + "\n" + allowRule("block", roles: "boss")),
        "assistant.yaml": rolePolicy("acme_assistant", scope: "acme.hr.uk", parentRoles: "acme_travel_agent",
                                     rules: allowActionsRule(#"assist, aid, redirect, "view:public""#, on: "leave_request")),
        "agent.yaml": rolePolicy("acme_travel_agent", scope: "acme.hr.uk", parentRoles: "employee",
                                 rules: allowActionsRule(#"suggest, assist, redirect, "view:*""#, on: "leave_request")),
        "creator.yaml": rolePolicy("acme_creator", scope: "acme.hr.uk.brighton", rules: allowActionsRule("create", on: "leave_request")),
    ]

    @Test func parentRolePoliciesNarrowToo() {
        let set = compilePolicies(Self.assistants)
        let result = set.check(principal("a", ["acme_assistant"]), resource("leave_request", scope: "acme.hr.uk"), ["assist", "aid", "suggest", "redirect"])
        let key = "resource.leave_request.vdefault/acme.hr.uk"
        #expect(result.actions == [
            ActionDecision(action: "assist", effect: .allow, policy: key, scope: "acme.hr.uk"),
            ActionDecision(action: "aid", effect: .deny, policy: "role.acme_travel_agent.vdefault/acme.hr.uk", scope: "acme.hr.uk"),
            ActionDecision(action: "suggest", effect: .deny, policy: "role.acme_assistant.vdefault/acme.hr.uk", scope: "acme.hr.uk"),
            ActionDecision(action: "redirect", effect: .allow, policy: key, scope: "acme.hr"),
        ])
    }

    @Test func anotherRolesAllowBeatsARolePolicyDenial() {
        let set = compilePolicies(Self.assistants)
        let result = set.check(principal("a", ["acme_creator", "boss", "organiser"]), resource("leave_request", scope: "acme.hr.uk.brighton"),
                               ["block", "party_plan"])
        #expect(result.actions == [
            ActionDecision(action: "block", effect: .allow, policy: "resource.leave_request.vdefault/acme.hr.uk.brighton", scope: "acme.hr.uk"),
            ActionDecision(action: "party_plan", effect: .deny, policy: "role.acme_creator.vdefault/acme.hr.uk.brighton", scope: "acme.hr.uk.brighton"),
        ])
    }

    @Test func rolePolicyVersionMustMatchTheResourceVersion() {
        let set = compilePolicies([
            "role.yaml": rolePolicy("20210210_admin", version: "20210210", parentRoles: "admin", rules: allowActionsRule("view", on: "leave_request")),
            "leave.yaml": scopedPolicy("leave_request", scope: "", version: "20210210", rules: allowRule("view, create", roles: "admin")),
        ])
        let result = set.check(principal("a", ["20210210_admin"]), resource("leave_request", version: "20210210"), ["view", "create"])
        #expect(result.actions == [
            ActionDecision(action: "view", effect: .allow, policy: "resource.leave_request.v20210210", scope: ""),
            ActionDecision(action: "create", effect: .deny, policy: "role.20210210_admin.v20210210", scope: ""),
        ])
    }

    @Test func everyMatchingConditionalAllowActionRuleMustHold() {
        let set = compilePolicies([
            "role.yaml": rolePolicy("auditor", parentRoles: "user", rules: [
                allowActionsRule(#""view:*""#, on: "report", condition: "P.attr.cleared == true"),
                allowActionsRule(#""view:*", export"#, on: "*", condition: "R.attr.region == P.attr.region"),
            ].joined(separator: "\n")),
            "report.yaml": scopedPolicy("report", scope: "", rules: allowRule("\"view:*\", export", roles: "user")),
        ])
        func check(_ attr: String, _ action: String) -> Effect {
            set.check(principal("a", ["auditor"], attr: attr), resource("report", attr: "{region: eu}"), [action]).effect(action)
        }
        #expect(check("{cleared: true, region: eu}", "view:summary") == allow)
        #expect(check("{cleared: false, region: eu}", "view:summary") == deny)
        #expect(check("{cleared: true, region: us}", "view:summary") == deny)
        #expect(check("{cleared: false, region: eu}", "export") == allow)
        #expect(check("{cleared: true, region: eu}", "delete") == deny)
    }

    @Test func rolePolicyParentsCountAsParentRolesOfDerivedRoles() {
        let set = compilePolicies([
            "roles.yaml": ownersDerivedRoles,
            "album.yaml": resourcePolicy("album:object", importing: "owners", rules: allowRule("delete, share", derivedRoles: "owner")),
            "clerk.yaml": rolePolicy("clerk", parentRoles: "user", rules: allowActionsRule("delete", on: "album:object")),
        ])
        let result = set.check(principal("alice", ["clerk"]), resource("album:object", attr: "{owner: alice}"), ["delete", "share"])
        #expect(result.actions == [
            ActionDecision(action: "delete", effect: .allow, policy: "resource.album_object.vdefault", scope: ""),
            ActionDecision(action: "share", effect: .deny, policy: "role.clerk.vdefault", scope: ""),
        ])
        #expect(result.effectiveDerivedRoles == ["owner"])
    }

    @Test func rolePoliciesDoNotRestrictPrincipalPolicies() {
        var files = Self.relics
        files["indy.yaml"] = principalPolicy("indy", scope: "", rules: """
                - resource: temple_relic
                  actions:
                    - action: edit
                      effect: EFFECT_ALLOW
            """)
        let set = compilePolicies(files)
        let result = set.check(principal("indy", ["relic_specialist"]), resource("temple_relic"), ["edit"])
        #expect(result.decision("edit") == ActionDecision(action: "edit", effect: .allow, policy: "principal.indy.vdefault", scope: ""))
    }
}
