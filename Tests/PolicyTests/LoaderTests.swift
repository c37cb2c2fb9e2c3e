import CEL
import Testing

@testable import Policy

/// Reading a policy directory and the problems it reports, each naming the file, the position and the field
/// path (cerbos-digest §1.1, §2).
@Suite struct LoaderTests {
    /// A policy allowing `action` on `kind` to users; `continued` follows the rule's last line (indented by six
    /// spaces to add to that rule, by four to start another).
    static func albumPolicy(_ kind: String = "album", action: String = "view", continued: String? = nil) -> String {
        resourcePolicy(kind, rules: allowRule(action, roles: "user")) + (continued.map { "\n" + $0 } ?? "")
    }

    // MARK: Formats and files

    @Test func loadsYAMLAndJSONPolicies() {
        let directory = PolicyDirectory([
            "album.yaml": Self.albumPolicy(),
            "photo.json": """
                {"apiVersion": "api.cerbos.dev/v1",
                 "resourcePolicy": {"resource": "photo", "version": "default",
                   "rules": [{"actions": ["view"], "effect": "EFFECT_ALLOW", "roles": ["user"]}]}}
                """,
            "nested/deeper/video.yml": Self.albumPolicy("video"),
        ])
        let set = directory.load()
        #expect(set.policyKeys == ["resource.album.vdefault", "resource.photo.vdefault", "resource.video.vdefault"])
        for kind in ["album", "photo", "video"] {
            #expect(set.check(principal("a", ["user"]), resource(kind), ["view"]).effect("view") == allow)
        }
    }

    @Test func skipsHiddenPathsTestDataSchemasTestSuitesAndOtherFiles() {
        let broken = "this: is: not a policy"
        let directory = PolicyDirectory([
            "album.yaml": Self.albumPolicy(),
            ".hidden.yaml": broken,
            ".git/config.yaml": broken,
            "tests/album_test.yaml": broken,
            "tests/ALBUM_TEST.JSON": broken,
            "tests/testdata/principals.yaml": broken,
            "deep/testdata/resources.yml": broken,
            "_schemas/album.json": #"{"type": "object"}"#,
            "README.md": "# policies",
            "notes.txt": broken,
            "empty.yaml": "",
            "comments.yaml": "# nothing here yet\n",
        ])
        let set = directory.load()
        #expect(set.policyKeys == ["resource.album.vdefault"])
    }

    @Test func schemasFolderOutsideTheRootIsAProblem() {
        let directory = PolicyDirectory(["album.yaml": Self.albumPolicy(), "nested/_schemas/x.json": "{}"])
        let problems = directory.problems()
        #expect(problems.count == 1)
        #expect(problems.first?.file == "nested/_schemas/x.json")
        #expect(problems.first?.message.contains("_schemas") == true)
    }

    @Test func missingDirectoryIsAProblem() {
        let problems: [PolicyProblem]
        do {
            _ = try PolicyLoader.load(directory: "/nonexistent/lintel-policies")
            problems = []
        } catch {
            problems = error.problems
        }
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("does not exist") == true)
    }

    /// Lintel reads every document of a multi-document file as a policy (Cerbos rejects such files with
    /// "more than one YAML document detected"); documents holding only comments are dropped.
    @Test func multiDocumentFileHoldsSeveralPolicies() {
        let set = compilePolicies(["all.yaml": Self.albumPolicy() + "\n---\n# just a comment\n---\n" + Self.albumPolicy("photo")])
        #expect(set.policyKeys == ["resource.album.vdefault", "resource.photo.vdefault"])
        #expect(set.check(principal("a", ["user"]), resource("photo"), ["view"]).effect("view") == allow)
    }

    @Test func snakeCaseFieldNamesAreAccepted() {
        func snakeCased(_ policy: String) -> String {
            [("importDerivedRoles", "import_derived_roles"), ("derivedRoles", "derived_roles"), ("parentRoles", "parent_roles"),
             ("resourcePolicy", "resource_policy")]
                .reduce(policy) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
        }
        let set = compilePolicies([
            "roles.yaml": snakeCased(ownersDerivedRoles),
            "album.yaml": snakeCased(resourcePolicy("album", importing: "owners", rules: allowRule("delete", derivedRoles: "owner"))),
        ])
        #expect(set.check(principal("alice", ["user"]), resource("album", attr: "{owner: alice}"), ["delete"]).effect("delete") == allow)
    }

    @Test func yamlAnchorsAndMergeKeysWork() {
        let set = compilePolicies(["album.yaml": """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: album
              version: default
              rules:
                - &base
                  actions: [view]
                  effect: EFFECT_ALLOW
                  roles: [user]
                - <<: *base
                  actions: [share]
                  roles: [admin]
            """])
        #expect(set.check(principal("a", ["user"]), resource("album"), ["view", "share"]).effects == ["view": allow, "share": deny])
        #expect(set.check(principal("a", ["admin"]), resource("album"), ["view", "share"]).effects == ["view": deny, "share": allow])
    }

    @Test func versionsWrittenAsNumbersAreStrings() {
        let set = compilePolicies(["album.yaml": Self.albumPolicy().replacingOccurrences(of: "version: default", with: "version: 20210210")])
        #expect(set.policyKeys == ["resource.album.v20210210"])
    }

    // MARK: Problems

    @Test func unknownFieldIsReportedWithPathPositionAndSuggestion() {
        let problems = compileProblems(["album.yaml": Self.albumPolicy(continued: """
                  conditon:
                    match:
                      expr: "true"
            """)])
        #expect(problems.count == 1)
        let problem = problems.first
        #expect(problem?.kind == .parse)
        #expect(problem?.file == "album.yaml")
        #expect(problem?.position.line == 9)
        #expect(problem?.position.column == 7)
        #expect(problem?.position.path == "$.resourcePolicy.rules[0].conditon")
        #expect(problem?.message == #"unknown field "conditon", did you mean "condition"?"#)
        #expect(problem?.description.hasPrefix("album.yaml:9:7: unknown field") == true)
    }

    @Test func unknownTopLevelFieldIsReported() {
        let problems = compileProblems(["album.yaml": "some: thing\n" + Self.albumPolicy()])
        #expect(problems.contains { $0.message.hasPrefix(#"unknown field "some""#) && $0.position.line == 1 && $0.position.path == "$.some" })
    }

    @Test func duplicateFieldIsReported() {
        let problems = compileProblems(["album.yaml": Self.albumPolicy() + "\n  version: other"])
        #expect(problems.count == 1)
        #expect(problems.first?.file == "album.yaml")
        #expect(problems.first?.kind == .parse)
        #expect(problems.first?.message.hasPrefix("duplicate field") == true)
        #expect(problems.first?.message.contains("version") == true)
    }

    @Test func invalidDocumentsAreReported() {
        let problems = compileProblems([
            "a_syntax.yaml": "resourcePolicy: [unclosed",
            "b_noapi.yaml": Self.albumPolicy("b").replacingOccurrences(of: "apiVersion: api.cerbos.dev/v1\n", with: ""),
            "c_wrongapi.yaml": Self.albumPolicy("c").replacingOccurrences(of: "api.cerbos.dev/v1", with: "api.cerbos.dev/v2"),
            "d_nokind.yaml": "apiVersion: api.cerbos.dev/v1\ndescription: nothing\n",
            "e_twokinds.yaml": Self.albumPolicy("e") + "\nderivedRoles:\n  name: x\n  definitions: [{name: y, parentRoles: [user]}]\n",
        ])
        for file in ["a_syntax.yaml", "b_noapi.yaml", "c_wrongapi.yaml", "d_nokind.yaml", "e_twokinds.yaml"] {
            #expect(problems.contains { $0.file == file }, "no problem reported for \(file)")
        }
        #expect(problems.contains { $0.file == "b_noapi.yaml" && $0.position.path == "$.apiVersion" })
    }

    @Test func invalidRulesAreReported() {
        let problems = compileProblems(["album.yaml": """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: album
              version: default
              rules:
                - name: myrule
                  actions: [view]
                  effect: EFFECT_ALLOW
                  roles: [user]
                - name: myrule
                  actions: [edit]
                  effect: EFFECT_ALLOW
                  roles: [user]
                - actions: [delete]
                  effect: EFFECT_ALLOW
                - actions: []
                  effect: EFFECT_ALLOW
                  roles: [user]
                - actions: [share]
                  effect: EFFECT_MAYBE
                  roles: [user]
            """])
        #expect(problems.contains { $0.message.hasPrefix(#"duplicate rule name "myrule""#) && $0.position.path == "$.resourcePolicy.rules[1]" })
        #expect(problems.contains { $0.message == "rule #3 does not specify any roles or derived roles to match" })
        #expect(problems.contains { $0.position.path == "$.resourcePolicy.rules[3].actions" && $0.message.contains("at least 1 item") })
        #expect(problems.contains { $0.message.contains("EFFECT_MAYBE") && $0.position.path == "$.resourcePolicy.rules[4].effect" })
    }

    @Test func principalPolicyResourcesMustBeUnique() {
        let problems = compileProblems(["p.yaml": principalPolicy("alice", scope: "", rules: """
                - resource: doc
                  actions:
                    - action: view
                      effect: EFFECT_ALLOW
                - resource: doc
                  actions:
                    - action: edit
                      effect: EFFECT_ALLOW
            """)])
        #expect(problems.contains { $0.message.hasPrefix(#"duplicate resource "doc" at rule #2"#) && $0.position.path == "$.principalPolicy.rules[1].resource" })
    }

    @Test func rolePoliciesCannotOverrideTheirParents() {
        let problems = compileProblems(["role.yaml": """
            apiVersion: api.cerbos.dev/v1
            rolePolicy:
              role: clerk
              scopePermissions: SCOPE_PERMISSIONS_OVERRIDE_PARENT
              rules:
                - resource: doc
                  allowActions: [view]
            """])
        #expect(problems.contains { $0.file == "role.yaml" && $0.position.path == "$.rolePolicy.scopePermissions" })
    }

    @Test func wildcardInAResourceNameIsRejected() {
        let problems = compileProblems(["album.yaml": Self.albumPolicy("album:*")])
        #expect(problems.contains { $0.position.path == "$.resourcePolicy.resource" && $0.message.contains("wildcard") })
    }

    @Test func badCELIsReportedWithItsPosition() {
        let problems = compileProblems(["album.yaml": Self.albumPolicy(continued: """
                  condition:
                    match:
                      all:
                        of:
                          - expr: R.attr.public == true
                          - expr: R.attr.owner == (P.id
            """ + "\n" + allowRule("edit", roles: "user", condition: "wat == 1"))])
        #expect(problems.count == 2)
        let syntax = problems.first { $0.position.line == 14 }
        #expect(syntax?.kind == .compile)
        #expect(syntax?.file == "album.yaml")
        #expect(syntax?.position.path == "$.resourcePolicy.rules[0].condition.match.all.of[1].expr")
        #expect(syntax?.message.contains("R.attr.owner == (P.id") == true)
        #expect(syntax?.message.contains("syntax error at 1:") == true)
        let undeclared = problems.first { $0.position.line == 20 }
        #expect(undeclared?.message.contains("undeclared reference to 'wat'") == true)
        #expect(undeclared?.position.path == "$.resourcePolicy.rules[1].condition.match.expr")
    }

    @Test func scriptConditionsAreNoLongerSupported() {
        let problems = compileProblems(["album.yaml": Self.albumPolicy() + "\n      condition:\n        script: 'true'"])
        #expect(problems.contains { $0.message == "scripts in conditions are no longer supported" })
    }

    @Test func emptyOutputIsAnError() {
        let problems = compileProblems(["album.yaml": Self.albumPolicy() + "\n      output: {}"])
        #expect(problems.contains { $0.message.contains("output must have at least one expression") })
    }

    @Test func missingImportsAreReported() {
        let problems = compileProblems(["album.yaml": """
            apiVersion: api.cerbos.dev/v1
            resourcePolicy:
              resource: album
              version: default
              importDerivedRoles: [my_derived_roles]
              variables:
                import: [my_variables]
              constants:
                import: [my_constants]
              rules:
                - actions: [view]
                  effect: EFFECT_ALLOW
                  roles: [user]
            """])
        let imports = problems.filter { $0.kind == .missingImport }
        #expect(imports.count == 3)
        #expect(imports.contains { $0.message == "cannot find derived roles 'my_derived_roles' imported by policy resource.album.vdefault" && $0.position.line == 5 })
        #expect(imports.contains { $0.message.contains("'my_variables'") && $0.position.line == 7 })
        #expect(imports.contains { $0.message.contains("'my_constants'") && $0.position.line == 9 })
    }

    @Test func unknownAndAmbiguousDerivedRolesAreReported() {
        func roles(_ name: String) -> String {
            """
            apiVersion: api.cerbos.dev/v1
            derivedRoles:
              name: \(name)
              definitions:
                - name: owner
                  parentRoles: [user]
            """
        }
        let problems = compileProblems([
            "roles1.yaml": roles("first"),
            "roles2.yaml": roles("second"),
            "album.yaml": """
                apiVersion: api.cerbos.dev/v1
                resourcePolicy:
                  resource: album
                  version: default
                  importDerivedRoles: [first, second]
                  rules:
                    - actions: [view]
                      effect: EFFECT_ALLOW
                      derivedRoles: [owner]
                    - actions: [edit]
                      effect: EFFECT_ALLOW
                      derivedRoles: [editor]
                """,
        ])
        #expect(problems.contains { $0.file == "album.yaml" && $0.message.contains("ambiguous derived role") && $0.message.contains("owner") })
        #expect(problems.contains { $0.file == "album.yaml" && $0.message.contains("unknown derived role") && $0.message.contains("editor") && $0.position.line == 12 })
    }

    @Test func duplicatePoliciesNameBothFiles() {
        let problems = compileProblems(["a.yaml": Self.albumPolicy(), "b.yaml": Self.albumPolicy(action: "edit")])
        #expect(problems.count == 1)
        #expect(problems.first?.kind == .duplicate)
        #expect(problems.first?.file == "b.yaml")
        #expect(problems.first?.message.contains("resource.album.vdefault") == true)
        #expect(problems.first?.message.contains("a.yaml") == true)
    }

    @Test func duplicateDerivedRoleDefinitionsAreReported() {
        let problems = compileProblems(["roles.yaml": """
            apiVersion: api.cerbos.dev/v1
            derivedRoles:
              name: common
              definitions:
                - name: admin
                  parentRoles: [user]
                - name: admin
                  parentRoles: [owner]
            """])
        #expect(problems.contains { $0.message.hasPrefix(#"duplicate derived role definition "admin""#) })
    }

    @Test func missingScopeAncestorsAreReported() {
        let problems = compileProblems([
            "root.yaml": scopedPolicy("leave_request", scope: "", rules: allowRule("view", roles: "user")),
            "uk.yaml": scopedPolicy("leave_request", scope: "acme.hr.uk", rules: allowRule("view", roles: "user")),
        ])
        let missing = problems.filter { $0.kind == .missingScope }
        #expect(missing.count == 2)
        #expect(missing.allSatisfy { $0.file == "uk.yaml" && $0.message.hasSuffix("required by descendant policy resource.leave_request.vdefault/acme.hr.uk") })
        #expect(missing.contains { $0.message.contains("scoped policy resource.leave_request.vdefault/acme.hr is not found") })
        #expect(missing.contains { $0.message.contains("scoped policy resource.leave_request.vdefault/acme is not found") })
    }

    @Test func disabledAncestorCountsAsMissing() {
        let problems = compileProblems([
            "root.yaml": scopedPolicy("leave_request", scope: "", rules: allowRule("view", roles: "user"))
                .replacingOccurrences(of: "apiVersion: api.cerbos.dev/v1\n", with: "apiVersion: api.cerbos.dev/v1\ndisabled: true\n"),
            "acme.yaml": scopedPolicy("leave_request", scope: "acme", rules: allowRule("view", roles: "user")),
        ])
        #expect(problems.contains { $0.kind == .missingScope && $0.message.contains("scoped policy resource.leave_request.vdefault is not found") })
    }

    @Test func missingPrincipalScopeAncestorsAreReported() {
        let problems = compileProblems(["p.yaml": principalPolicy("alice", scope: "acme", rules: """
                - resource: doc
                  actions:
                    - action: view
                      effect: EFFECT_ALLOW
            """)])
        #expect(problems.contains { $0.kind == .missingScope && $0.message.contains("principal.alice.vdefault is not found") })
    }

    @Test func rolePolicyMakesAMissingResourceScopeAcceptable() {
        let set = compilePolicies([
            "root.yaml": scopedPolicy("leave_request", scope: "", rules: allowRule("view", roles: "user")),
            "uk.yaml": scopedPolicy("leave_request", scope: "acme.hr", rules: allowRule("view", roles: "user")),
            "role.yaml": """
                apiVersion: api.cerbos.dev/v1
                rolePolicy:
                  role: clerk
                  scope: acme
                  rules:
                    - resource: leave_request
                      allowActions: [view]
                """,
        ])
        #expect(set.policyKeys.contains("resource.leave_request.vdefault/acme.hr"))
    }

    @Test func conflictingScopePermissionsAreReported() {
        let problems = compileProblems([
            "root_a.yaml": scopedPolicy("a", scope: "", rules: allowRule("view", roles: "user")),
            "root_b.yaml": scopedPolicy("b", scope: "", rules: allowRule("view", roles: "user")),
            "a.yaml": scopedPolicy("a", scope: "acme", permissions: "SCOPE_PERMISSIONS_OVERRIDE_PARENT", rules: allowRule("view", roles: "user")),
            "b.yaml": scopedPolicy("b", scope: "acme", permissions: "SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS",
                                   rules: allowRule("view", roles: "user")),
        ])
        #expect(problems.contains { $0.kind == .scopePermissionsConflict && $0.message.contains("\"acme\"") })
    }

    @Test func everyProblemIsReportedAtOnce() {
        let error: PolicyLoadError?
        do {
            _ = try PolicyLoader.compile([
                .init(path: "one.yaml", text: Self.albumPolicy().replacingOccurrences(of: "rules:", with: "rulez:")),
                .init(path: "two.yaml", text: Self.albumPolicy("two").replacingOccurrences(of: "roles: [user]", with: "roles: [user]\n      condition: {match: {expr: 'nope('}}")),
            ])
            error = nil
        } catch let thrown {
            error = thrown
        }
        #expect(error?.problems.map(\.file).sorted() == ["one.yaml", "two.yaml"])
        #expect(error?.description.hasPrefix("policies do not compile (2 problems):") == true)
        #expect(error?.description.contains("one.yaml:5:3: unknown field \"rulez\", did you mean \"rules\"? (at $.resourcePolicy.rulez)") == true)
    }
}
