import CEL
import Testing

@testable import Policy

/// Local, exported and imported variables and constants, and globals (cerbos-digest §1.6, §1.7).
@Suite struct VariablesTests {
    static let exports: [String: String] = [
        "export_variables.yaml": """
            apiVersion: api.cerbos.dev/v1
            exportVariables:
              name: common_variables
              definitions:
                flagged: R.attr.flagged == true
                teams: '["red", "blue"]'
                in_team: P.attr.team in V.teams
            """,
        "export_constants.yaml": """
            apiVersion: api.cerbos.dev/v1
            exportConstants:
              name: common_constants
              definitions:
                label: latest
                limits: {red: 9001, blue: 0}
                max_amount: 1000
            """,
    ]

    static func policy(_ header: String, _ rules: String) -> String {
        """
        apiVersion: api.cerbos.dev/v1
        resourcePolicy:
          resource: doc
          version: default
        \(header)
          rules:
        \(rules)
        """
    }

    static func conditional(_ action: String, _ expression: String) -> String {
        """
            - actions: [\(action)]
              effect: EFFECT_ALLOW
              roles: [user]
              condition:
                match:
                  expr: \(expression)
        """
    }

    @Test func localVariablesReferenceOtherVariablesAndConstants() {
        var files = Self.exports
        files["doc.yaml"] = Self.policy("""
              constants:
                local:
                  owner_label: mine
                  threshold: 10
              variables:
                local:
                  is_owner: R.attr.owner == P.id
                  owned_label: 'V.is_owner ? C.owner_label : "theirs"'
                  big: R.attr.size > constants.threshold
            """, [
                Self.conditional("label", #"variables.owned_label == "mine""#),
                Self.conditional("big", "V.big"),
            ].joined(separator: "\n"))
        let set = compilePolicies(files)
        let owned = set.check(principal("alice", ["user"]), resource("doc", attr: "{owner: alice, size: 11}"), ["label", "big"])
        #expect(owned.effects == ["label": allow, "big": allow])
        let other = set.check(principal("bob", ["user"]), resource("doc", attr: "{owner: alice, size: 10}"), ["label", "big"])
        #expect(other.effects == ["label": deny, "big": deny])
    }

    @Test func importedVariablesAndConstantsAreUsable() {
        var files = Self.exports
        files["doc.yaml"] = Self.policy("""
              constants:
                import: [common_constants]
              variables:
                import: [common_variables]
            """, [
                Self.conditional("flagged", "V.flagged"),
                Self.conditional("team", "V.in_team"),
                Self.conditional("limit", "C.limits[P.attr.team] > 9000 && C.label == \"latest\""),
                Self.conditional("amount", "R.attr.amount <= C.max_amount"),
            ].joined(separator: "\n"))
        let set = compilePolicies(files)
        let result = set.check(principal("a", ["user"], attr: "{team: red}"), resource("doc", attr: "{flagged: true, amount: 1000}"),
                               ["flagged", "team", "limit", "amount"])
        #expect(result.effects == ["flagged": allow, "team": allow, "limit": allow, "amount": allow])
        let blue = set.check(principal("a", ["user"], attr: "{team: green}"), resource("doc", attr: "{flagged: false, amount: 1001}"),
                             ["flagged", "team", "limit", "amount"])
        #expect(blue.effects == ["flagged": deny, "team": deny, "limit": deny, "amount": deny])
    }

    @Test func deprecatedTopLevelVariablesAreLocalVariables() {
        let set = compilePolicies(["doc.yaml": """
            apiVersion: api.cerbos.dev/v1
            variables:
              is_public: R.attr.public == true
            resourcePolicy:
              resource: doc
              version: default
              rules:
                - actions: [view]
                  effect: EFFECT_ALLOW
                  roles: [user]
                  condition:
                    match:
                      expr: V.is_public
            """])
        #expect(set.check(principal("a", ["user"]), resource("doc", attr: "{public: true}"), ["view"]).effect("view") == allow)
        #expect(set.check(principal("a", ["user"]), resource("doc", attr: "{public: false}"), ["view"]).effect("view") == deny)
    }

    @Test func derivedRolesFileVariablesServeItsOwnConditions() {
        let set = compilePolicies([
            "roles.yaml": """
                apiVersion: api.cerbos.dev/v1
                derivedRoles:
                  name: doc_roles
                  constants:
                    local:
                      editor_group: editors
                  variables:
                    local:
                      in_group: C.editor_group in P.attr.groups
                  definitions:
                    - name: editor
                      parentRoles: [user]
                      condition:
                        match:
                          expr: V.in_group
                """,
            "doc.yaml": """
                apiVersion: api.cerbos.dev/v1
                resourcePolicy:
                  resource: doc
                  version: default
                  importDerivedRoles: [doc_roles]
                  variables:
                    local:
                      in_group: "false"
                  rules:
                    - actions: [edit]
                      effect: EFFECT_ALLOW
                      derivedRoles: [editor]
                """,
        ])
        let editor = set.check(principal("a", ["user"], attr: "{groups: [editors]}"), resource("doc"), ["edit"])
        #expect(editor.effect("edit") == allow)
        #expect(editor.effectiveDerivedRoles == ["editor"])
        #expect(set.check(principal("a", ["user"], attr: "{groups: [viewers]}"), resource("doc"), ["edit"]).effect("edit") == deny)
    }

    @Test func variablesOfADerivedRolesFileAreNotVisibleToItsImporters() {
        let problems = compileProblems([
            "roles.yaml": """
                apiVersion: api.cerbos.dev/v1
                derivedRoles:
                  name: doc_roles
                  variables:
                    local:
                      in_group: '"editors" in P.attr.groups'
                  definitions:
                    - name: editor
                      parentRoles: [user]
                """,
            "doc.yaml": Self.policy("  importDerivedRoles: [doc_roles]", Self.conditional("edit", "V.in_group")),
        ])
        #expect(problems.contains { $0.file == "doc.yaml" && $0.kind == .compile && $0.message.contains("Undefined variable 'in_group'") })
    }

    @Test func variableThatFailsMakesConditionsUsingItFalse() {
        let set = compilePolicies(["doc.yaml": Self.policy("""
              variables:
                local:
                  ratio: R.attr.total / R.attr.count
            """, Self.conditional("view", "V.ratio > 1.0"))])
        let result = set.check(principal("a", ["user"]), resource("doc", attr: "{total: 4}"), ["view"])
        #expect(result.effect("view") == deny)
        #expect(!result.evaluationErrors.isEmpty)
        #expect(set.check(principal("a", ["user"]), resource("doc", attr: "{total: 4, count: 2}"), ["view"]).effect("view") == allow)
    }

    @Test func onlyVariablesSomethingReadsAreEvaluated() {
        let set = compilePolicies(["doc.yaml": Self.policy("""
              variables:
                local:
                  broken: 1 / 0 == 1
                  fine: R.attr.public == true
            """, Self.conditional("view", "V.fine"))])
        let result = set.check(principal("a", ["user"]), resource("doc", attr: "{public: true}"), ["view"])
        #expect(result.effect("view") == allow)
        #expect(result.evaluationErrors.isEmpty)
    }

    @Test func globalsComeFromTheCheckOptions() {
        let set = compilePolicies(["doc.yaml": Self.policy("", [
            Self.conditional("view", #"G.environment == "production""#),
            Self.conditional("debug", "globals.debug == true"),
        ].joined(separator: "\n"))])
        var options = CheckOptions()
        options.globals = attributes("{environment: production, debug: false}")
        let result = set.check(principal("a", ["user"]), resource("doc"), ["view", "debug"], options: options)
        #expect(result.effects == ["view": allow, "debug": deny])
        let unset = set.check(principal("a", ["user"]), resource("doc"), ["view"])
        #expect(unset.effect("view") == deny)
    }

    @Test func principalAndRolePoliciesHaveVariablesToo() {
        let set = compilePolicies([
            "p.yaml": """
                apiVersion: api.cerbos.dev/v1
                principalPolicy:
                  principal: alice
                  version: default
                  constants:
                    local:
                      cap: 5
                  variables:
                    local:
                      small: R.attr.size < C.cap
                  rules:
                    - resource: doc
                      actions:
                        - action: shrink
                          effect: EFFECT_ALLOW
                          condition:
                            match:
                              expr: V.small
                """,
        ])
        #expect(set.check(principal("alice", ["user"]), resource("doc", attr: "{size: 4}"), ["shrink"]).effect("shrink") == allow)
        #expect(set.check(principal("alice", ["user"]), resource("doc", attr: "{size: 6}"), ["shrink"]).effect("shrink") == deny)
    }

    // MARK: Errors

    @Test func variableRedefinitionIsAnError() {
        var files = Self.exports
        files["doc.yaml"] = Self.policy("""
              variables:
                import: [common_variables]
                local:
                  flagged: "true"
            """, Self.conditional("view", "V.flagged"))
        let problems = compileProblems(files)
        #expect(problems.contains { $0.file == "doc.yaml" && $0.message.contains("flagged") && $0.message.contains("multiple definitions") })
    }

    @Test func constantRedefinitionIsAnError() {
        var files = Self.exports
        files["doc.yaml"] = Self.policy("""
              constants:
                import: [common_constants]
                local:
                  label: other
            """, Self.conditional("view", #"C.label == "other""#))
        let problems = compileProblems(files)
        #expect(problems.contains { $0.file == "doc.yaml" && $0.message.contains("label") && $0.message.contains("multiple definitions") })
    }

    @Test func variableCyclesAreErrors() {
        let problems = compileProblems(["doc.yaml": Self.policy("""
              variables:
                local:
                  a: V.a
                  b: V.c && true
                  c: variables.b
            """, Self.conditional("view", "V.b"))])
        #expect(problems.contains { $0.kind == .compile && $0.message.contains("cyclical variable definitions") && $0.message.contains("'a'") })
        #expect(problems.contains { $0.message.contains("cyclical variable definitions") && $0.message.contains("'b'") && $0.message.contains("'c'") })
    }

    @Test func undefinedVariablesAndConstantsAreErrors() {
        let problems = compileProblems(["doc.yaml": Self.policy("""
              variables:
                local:
                  h: V.y == 1
            """, [Self.conditional("view", "V.z"), Self.conditional("edit", "C.k == 1")].joined(separator: "\n"))])
        #expect(problems.contains { $0.message.contains("Undefined variable 'z'") })
        #expect(problems.contains { $0.message.contains("Undefined constant 'k'") })
        #expect(problems.contains { $0.message.contains("'y'") })
    }

    @Test func variableNamesMustBeIdentifiers() {
        let problems = compileProblems(["doc.yaml": Self.policy("""
              variables:
                local:
                  a.b.c: "true"
                  "null": "true"
            """, Self.conditional("view", "true"))])
        #expect(problems.contains { $0.message.contains("\"a.b.c\" is not a valid identifier") })
        #expect(problems.contains { $0.message.contains("\"null\" is a reserved keyword") })
    }

    @Test func variablesCannotBeIndexed() {
        let problems = compileProblems(["doc.yaml": Self.policy("""
              variables:
                local:
                  x: "true"
            """, Self.conditional("view", #"V["x"]"#))])
        #expect(problems.contains { $0.kind == .compile && $0.file == "doc.yaml" })
    }
}
