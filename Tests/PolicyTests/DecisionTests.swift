import CEL
import Testing

@testable import Policy

/// Resource policies and derived roles: how one scope decides (cerbos-digest §3.5, §3.8, examples E1–E15, E20, E21).
@Suite struct DecisionTests {
    static func album(_ rules: String, kind: String = "album") -> [String: String] {
        ["album.yaml": resourcePolicy(kind, rules: rules)]
    }

    // MARK: Wildcard actions and roles

    @Test func bareStarActionMatchesActionsWithSeparators() {
        let set = compilePolicies(Self.album("""
                - actions: ["*"]
                  effect: EFFECT_ALLOW
                  roles: [user]
            """))
        let result = set.check(principal("alice", ["user"]), resource("album"), ["album:photo:view", "view"])
        #expect(result.effects == ["album:photo:view": allow, "view": allow])
        #expect(result.decision("view").policy == "resource.album.vdefault")
        #expect(result.decision("view").scope == "")
    }

    @Test func segmentWildcardStopsAtTheSeparator() {
        let set = compilePolicies(Self.album("""
                - actions: ["view:*"]
                  effect: EFFECT_ALLOW
                  roles: [user]
            """))
        let result = set.check(principal("alice", ["user"]), resource("album"), ["view:public", "view", "view:a:b", "view:"])
        #expect(result.effects == ["view:public": allow, "view": deny, "view:a:b": deny, "view:": allow])
        #expect(result.decision("view").policy == "resource.album.vdefault")
        #expect(result.decision("view").scope == "")
    }

    @Test func midPatternWildcardMatchesOneSegment() {
        let set = compilePolicies(Self.album("""
                - actions: ["a:*:d", "view*", "*:edit"]
                  effect: EFFECT_ALLOW
                  roles: [user]
            """))
        let result = set.check(principal("alice", ["user"]), resource("album"),
                               ["a:x:d", "a:x", "a:x:y:d", "view", "viewer", "view:x", "doc:edit", "a:b:edit"])
        #expect(result.effects == ["a:x:d": allow, "a:x": deny, "a:x:y:d": deny, "view": allow, "viewer": allow, "view:x": deny,
                                   "doc:edit": allow, "a:b:edit": deny])
    }

    @Test func roleGlobsMatchRoleNames() {
        let set = compilePolicies(Self.album("""
                - actions: [approve]
                  effect: EFFECT_ALLOW
                  roles: ["manager:*"]
            """))
        #expect(set.check(principal("a", ["manager:eu"]), resource("album"), ["approve"]).effect("approve") == allow)
        #expect(set.check(principal("a", ["manager"]), resource("album"), ["approve"]).effect("approve") == deny)
        #expect(set.check(principal("a", ["clerk"]), resource("album"), ["approve"]).effect("approve") == deny)
    }

    @Test func wildcardAmongRolesMatchesEveryRole() {
        let set = compilePolicies(Self.album(allowRule("view", roles: #"admin, "*""#)))
        #expect(set.check(principal("a", ["guest"]), resource("album"), ["view"]).effect("view") == allow)
    }

    // MARK: Combining rules and roles

    @Test func denyBeatsAllowForTheSameRoleRegardlessOfOrder() {
        let set = compilePolicies(Self.album("""
                - actions: ["*"]
                  effect: EFFECT_ALLOW
                  roles: ["*"]
                - actions: [create]
                  effect: EFFECT_DENY
                  roles: [user]
            """, kind: "account"))
        let result = set.check(principal("alice", ["user"]), resource("account"), ["create", "delete", "edit"])
        #expect(result.effects == ["create": deny, "delete": allow, "edit": allow])
        #expect(result.actions.allSatisfy { $0.policy == "resource.account.vdefault" })
    }

    @Test func anyAllowingRoleWinsOverAnotherRolesDeny() {
        let set = compilePolicies(Self.album("""
                - actions: [delete]
                  effect: EFFECT_DENY
                  roles: [user]
                - actions: [delete]
                  effect: EFFECT_ALLOW
                  roles: [admin]
            """))
        #expect(set.check(principal("a", ["user", "admin"]), resource("album"), ["delete"]).effect("delete") == allow)
        #expect(set.check(principal("a", ["admin", "user"]), resource("album"), ["delete"]).effect("delete") == allow)
        #expect(set.check(principal("a", ["user"]), resource("album"), ["delete"]).effect("delete") == deny)
        #expect(set.check(principal("a", ["admin"]), resource("album"), ["delete"]).effect("delete") == allow)
    }

    @Test func wildcardRoleDenyReachesEveryRole() {
        let set = compilePolicies(Self.album("""
                - actions: [delete]
                  effect: EFFECT_ALLOW
                  roles: [admin]
                - actions: [delete]
                  effect: EFFECT_DENY
                  roles: ["*"]
            """))
        #expect(set.check(principal("a", ["admin"]), resource("album"), ["delete"]).effect("delete") == deny)
        #expect(set.check(principal("a", ["admin", "user"]), resource("album"), ["delete"]).effect("delete") == deny)
    }

    @Test func anythingNotAllowedIsDeniedByTheResourcePolicy() {
        let set = compilePolicies(Self.album(allowRule("view", roles: "user")))
        let result = set.check(principal("a", ["user"]), resource("album"), ["view", "delete"])
        #expect(result.effects == ["view": allow, "delete": deny])
        #expect(result.decision("delete") == ActionDecision(action: "delete", effect: .deny, policy: "resource.album.vdefault", scope: ""))
        let stranger = set.check(principal("a", ["guest"]), resource("album"), ["view"])
        #expect(stranger.decision("view") == ActionDecision(action: "view", effect: .deny, policy: "resource.album.vdefault", scope: ""))
    }

    @Test func kindWithColonsIsSanitisedInThePolicyKey() {
        let set = compilePolicies(Self.album(allowRule("view", roles: "user"), kind: "album:object"))
        let result = set.check(principal("a", ["user"]), resource("album:object"), ["view"])
        #expect(result.decision("view") == ActionDecision(action: "view", effect: .allow, policy: "resource.album_object.vdefault", scope: ""))
    }

    @Test func kindWithoutAnyPolicyIsNoMatch() {
        let set = compilePolicies(Self.album(allowRule("view", roles: "user")))
        let result = set.check(principal("a", ["user"]), resource("photo"), ["view", "edit"])
        #expect(result.effects == ["view": deny, "edit": deny])
        #expect(result.actions.allSatisfy { $0.policy == "NO_MATCH" && $0.scope.isEmpty })
    }

    // MARK: Derived roles

    static let ownerRoles = """
        apiVersion: api.cerbos.dev/v1
        derivedRoles:
          name: common_roles
          definitions:
            - name: owner
              parentRoles: [user]
              condition:
                match:
                  expr: R.attr.owner == P.id
            - name: reader
              parentRoles: ["*"]
              condition:
                match:
                  expr: request.principal.attr.reader == true
        """

    static func withDerivedRoles(_ rules: String) -> [String: String] {
        ["derived.yaml": ownerRoles, "album.yaml": resourcePolicy("album", importing: "common_roles", rules: rules)]
    }

    @Test func derivedRoleNeedsOneOfItsParentRoles() {
        let set = compilePolicies(Self.withDerivedRoles("""
                - actions: [delete]
                  effect: EFFECT_ALLOW
                  derivedRoles: [owner]
            """))
        let owned = resource("album", attr: "{owner: alice}")
        let employee = set.check(principal("alice", ["employee"]), owned, ["delete"])
        #expect(employee.effect("delete") == deny)
        #expect(employee.effectiveDerivedRoles.isEmpty)

        let user = set.check(principal("alice", ["user"]), owned, ["delete"])
        #expect(user.effect("delete") == allow)
        #expect(user.effectiveDerivedRoles == ["owner"])

        let otherUser = set.check(principal("bob", ["user"]), owned, ["delete"])
        #expect(otherUser.effect("delete") == deny)
        #expect(otherUser.effectiveDerivedRoles.isEmpty)
    }

    @Test func derivedRoleWithWildcardParentAppliesToAnyRole() {
        let set = compilePolicies(Self.withDerivedRoles("""
                - actions: [view]
                  effect: EFFECT_ALLOW
                  derivedRoles: [reader]
            """))
        let reader = set.check(principal("a", ["anything"], attr: "{reader: true}"), resource("album"), ["view"])
        #expect(reader.effect("view") == allow)
        #expect(reader.effectiveDerivedRoles == ["reader"])
        let nonReader = set.check(principal("a", ["anything"], attr: "{reader: false}"), resource("album"), ["view"])
        #expect(nonReader.effect("view") == deny)
        #expect(nonReader.effectiveDerivedRoles.isEmpty)
    }

    @Test func derivedRoleDenyDoesNotCancelAnotherRolesAllow() {
        let set = compilePolicies(Self.withDerivedRoles("""
                - actions: [edit]
                  effect: EFFECT_DENY
                  derivedRoles: [owner]
                - actions: [edit]
                  effect: EFFECT_ALLOW
                  roles: [admin]
            """))
        let owned = resource("album", attr: "{owner: alice}")
        let both = set.check(principal("alice", ["user", "admin"]), owned, ["edit"])
        #expect(both.effect("edit") == allow)
        #expect(both.effectiveDerivedRoles == ["owner"])
        #expect(set.check(principal("alice", ["user"]), owned, ["edit"]).effect("edit") == deny)
    }

    @Test func effectiveDerivedRolesAreSortedAndVisibleToConditions() {
        let set = compilePolicies(Self.withDerivedRoles("""
                - actions: [view]
                  effect: EFFECT_ALLOW
                  derivedRoles: [owner, reader]
                - actions: [share]
                  effect: EFFECT_ALLOW
                  roles: [user]
                  condition:
                    match:
                      expr: runtime.effectiveDerivedRoles == ["owner", "reader"]
            """))
        let result = set.check(principal("alice", ["user"], attr: "{reader: true}"), resource("album", attr: "{owner: alice}"), ["view", "share"])
        #expect(result.effectiveDerivedRoles == ["owner", "reader"])
        #expect(result.effects == ["view": allow, "share": allow])
    }

    // MARK: Conditions

    @Test func matchCombinesAllAnyAndNone() {
        let set = compilePolicies(Self.album("""
                - actions: [edit]
                  effect: EFFECT_ALLOW
                  roles: [user]
                  condition:
                    match:
                      all:
                        of:
                          - expr: R.attr.status == "DRAFT"
                          - any:
                              of:
                                - expr: R.attr.dev == true
                                - expr: R.attr.id.matches("^[98][0-9]+")
                          - none:
                              of:
                                - expr: R.attr.qa == true
            """))
        func edit(_ attr: String) -> Effect {
            set.check(principal("a", ["user"]), resource("album", attr: attr), ["edit"]).effect("edit")
        }
        #expect(edit(#"{status: DRAFT, dev: true, id: "100", qa: false}"#) == allow)
        #expect(edit(#"{status: DRAFT, dev: false, id: "9001", qa: false}"#) == allow)
        #expect(edit(#"{status: DRAFT, dev: false, id: "100", qa: false}"#) == deny)
        #expect(edit(#"{status: DRAFT, dev: true, id: "100", qa: true}"#) == deny)
        #expect(edit(#"{status: PUBLISHED, dev: true, id: "100", qa: false}"#) == deny)
    }

    @Test func missingAttributeInAnAllowConditionFailsClosedAndIsRecorded() {
        let set = compilePolicies(Self.album(allowRule("view", roles: "employee", condition: "request.resource.attr.public == true")))
        let result = set.check(principal("a", ["employee"]), resource("album"), ["view"])
        #expect(result.effect("view") == deny)
        #expect(result.evaluationErrors.contains { $0.contains("no such key") && $0.contains("public") })
    }

    @Test func missingAttributeInADenyConditionFailsOpenUnlessStrict() {
        let set = compilePolicies(Self.album("""
                - actions: [view]
                  effect: EFFECT_ALLOW
                  roles: [user]
                - actions: [view]
                  effect: EFFECT_DENY
                  roles: [user]
                  condition:
                    match:
                      expr: R.attr.blocked == true
            """))
        let lenient = set.check(principal("a", ["user"]), resource("album"), ["view"])
        #expect(lenient.effect("view") == allow)
        #expect(!lenient.evaluationErrors.isEmpty)

        var options = CheckOptions()
        options.strictEvaluation = true
        let strict = set.check(principal("a", ["user"]), resource("album"), ["view"], options: options)
        #expect(strict.decision("view") == ActionDecision(action: "view", effect: .deny, policy: "resource.album.vdefault", scope: ""))
    }

    @Test func anySkipsABranchThatFails() {
        let set = compilePolicies(["album.yaml": """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: album
              version: default
              variables:
                local:
                  eng: P.attr.is_engineer
              rules:
                - actions: [use]
                  effect: EFFECT_ALLOW
                  roles: [user]
                  condition:
                    match:
                      any:
                        of:
                          - expr: V.eng && P.attr.org == "org-1"
                          - expr: P.attr.email == "info@example.com"
            """])
        let result = set.check(principal("a", ["user"], attr: "{email: info@example.com}"), resource("album"), ["use"])
        #expect(result.effect("use") == allow)
    }

    @Test func noneCountsAFailingBranchAsFalse() {
        let set = compilePolicies(Self.album("""
                - actions: [view]
                  effect: EFFECT_ALLOW
                  roles: [user]
                  condition:
                    match:
                      none:
                        of:
                          - expr: P.attr.x
                          - expr: R.attr.department == "engineering"
            """))
        #expect(set.check(principal("a", ["user"]), resource("album", attr: "{department: marketing}"), ["view"]).effect("view") == allow)
        #expect(set.check(principal("a", ["user"]), resource("album", attr: "{department: engineering}"), ["view"]).effect("view") == deny)
    }

    @Test func nonBooleanConditionIsNotMetWithoutAnError() {
        let set = compilePolicies(Self.album(allowRule("view", roles: "user", condition: "R.attr.name")))
        let result = set.check(principal("a", ["user"]), resource("album", attr: "{name: holiday}"), ["view"])
        #expect(result.effect("view") == deny)
        #expect(result.evaluationErrors.isEmpty)
    }

    @Test func jsonNumbersAreDoubles() {
        let set = compilePolicies(Self.album("""
                - actions: [compare]
                  effect: EFFECT_ALLOW
                  roles: [user]
                  condition:
                    match:
                      expr: R.attr.amount > 10000
                - actions: [equal]
                  effect: EFFECT_ALLOW
                  roles: [user]
                  condition:
                    match:
                      expr: R.attr.amount == 15000
                - actions: [add]
                  effect: EFFECT_ALLOW
                  roles: [user]
                  condition:
                    match:
                      expr: R.attr.amount + 1 > 10000
            """))
        let result = set.check(principal("a", ["user"]), resource("album", attr: "{amount: 15000}"), ["compare", "equal", "add"])
        #expect(result.effects == ["compare": allow, "equal": allow, "add": deny])
        #expect(!result.evaluationErrors.isEmpty)
    }

    @Test func conditionsReadRequestFieldsAsSentAndAuxData() {
        let set = compilePolicies(Self.album("""
                - actions: [view]
                  effect: EFFECT_ALLOW
                  roles: [user]
                  condition:
                    match:
                      all:
                        of:
                          - expr: request.resource.kind == "album" && R.id == "XX1" && P.id == "alice"
                          - expr: '"user" in P.roles'
                          - expr: R.policyVersion == "" && P.policy_version == ""
                          - expr: request.aux_data.jwt.iss == "idp" && request.auxData.jwt.aud == "lintel"
            """))
        let aux = attributes("{iss: idp, aud: lintel}")
        let result = set.check(principal("alice", ["user"]), resource("album", id: "XX1"), ["view"], auxData: aux)
        #expect(result.effect("view") == allow)
        #expect(set.check(principal("alice", ["user"]), resource("album", id: "XX1"), ["view"]).effect("view") == deny)
    }

    @Test func requestScopesAreSeenAsSentWithoutTheLeadingDot() {
        let set = compilePolicies(Self.album(allowRule("view", roles: "user", condition: #"R.scope == "" && P.scope == "" && request.resource.scope == """#)))
        var options = CheckOptions()
        options.defaultScope = "."
        #expect(set.check(principal("a", ["user"], scope: "."), resource("album", scope: "."), ["view"]).effect("view") == allow)
        #expect(set.check(principal("a", ["user"]), resource("album"), ["view"], options: options).effect("view") == allow)
    }

    // MARK: Versions and disabled policies

    static let versioned: [String: String] = [
        "default.yaml": resourcePolicy("leave_request", rules: allowRule("view", roles: "user")),
        "staging.yaml": resourcePolicy("leave_request", version: "staging", rules: allowRule("view, approve", roles: "user")),
    ]

    @Test func omittedVersionMeansDefault() {
        let set = compilePolicies(Self.versioned)
        let result = set.check(principal("a", ["user"]), resource("leave_request"), ["view", "approve"])
        #expect(result.effects == ["view": allow, "approve": deny])
        #expect(result.decision("view").policy == "resource.leave_request.vdefault")
    }

    @Test func requestedVersionSelectsOnlyThatVersion() {
        let set = compilePolicies(Self.versioned)
        let result = set.check(principal("a", ["user"]), resource("leave_request", version: "staging"), ["view", "approve"])
        #expect(result.effects == ["view": allow, "approve": allow])
        #expect(result.decision("approve").policy == "resource.leave_request.vstaging")
    }

    @Test func unknownVersionIsNoMatch() {
        let set = compilePolicies(Self.versioned)
        let result = set.check(principal("a", ["user"]), resource("leave_request", version: "xxx"), ["view"])
        #expect(result.decision("view") == ActionDecision(action: "view", effect: .deny, policy: "NO_MATCH", scope: ""))
        #expect(result.effectiveDerivedRoles.isEmpty)
    }

    @Test func defaultPolicyVersionOptionChangesTheFallback() {
        let set = compilePolicies(Self.versioned)
        var options = CheckOptions()
        options.defaultPolicyVersion = "staging"
        let result = set.check(principal("a", ["user"]), resource("leave_request"), ["approve"], options: options)
        #expect(result.decision("approve") == ActionDecision(action: "approve", effect: .allow, policy: "resource.leave_request.vstaging", scope: ""))
    }

    @Test func disabledPolicyIsIgnoredAndListed() {
        var files = Self.versioned
        files["staging.yaml"] = files["staging.yaml"]!.replacingOccurrences(of: "apiVersion: api.cerbos.dev/v1\n", with: "apiVersion: api.cerbos.dev/v1\ndisabled: true\n")
        let set = compilePolicies(files)
        #expect(set.disabledPolicyKeys == ["resource.leave_request.vstaging"])
        #expect(!set.policyKeys.contains("resource.leave_request.vstaging"))
        let result = set.check(principal("a", ["user"]), resource("leave_request", version: "staging"), ["view"])
        #expect(result.decision("view") == ActionDecision(action: "view", effect: .deny, policy: "NO_MATCH", scope: ""))
    }

    @Test func resultsKeepTheRequestedActionOrder() {
        let set = compilePolicies(Self.versioned)
        let result = set.check(principal("a", ["user"]), resource("leave_request"), ["zeta", "view", "alpha"])
        #expect(result.actions.map(\.action) == ["zeta", "view", "alpha"])
    }
}
