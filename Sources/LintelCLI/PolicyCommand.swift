import ArgumentParser
import Foundation
import Kernel
import Policy

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Compile and test the Cerbos policies in policies/.",
        subcommands: [Check.self, Test.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile every policy in a directory and report every problem with file and field path; exit 1 on any.",
            discussion: "Reads YAML and JSON policy files the way the server does (skipping hidden files, testdata/, _schemas/ and *_test.yaml). Touches no database."
        )

        @Argument(help: ArgumentHelp("The policy directory.", valueName: "dir"))
        var directory: String = "policies"

        func run() async throws {
            do {
                let policies = try PolicyLoader.load(directory: directory)
                let disabled = policies.disabledPolicyKeys.isEmpty ? "" : " (\(policies.disabledPolicyKeys.count) disabled)"
                Terminal.print("\(directory): \(policies.count) polic\(policies.count == 1 ? "y" : "ies") compiled\(disabled)")
            } catch {
                Terminal.error("\(directory): \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the *_test.yaml suites (Cerbos's test-suite format) against the policies; exit 1 on any failure.",
            discussion: "Suites and their testdata/ fixtures are found under --tests (default: the policy directory)."
        )

        @Argument(help: ArgumentHelp("The policy directory.", valueName: "dir"))
        var directory: String = "policies"

        @Option(name: .long, help: ArgumentHelp("Directory holding the test suites (default: the policy directory).", valueName: "dir"))
        var tests: String?

        @Option(name: .long, help: ArgumentHelp("Run only tests whose name matches this glob (e.g. '*admin*').", valueName: "glob"))
        var run: String?

        @Flag(name: .shortAndLong, help: "List every case, not only failures.")
        var verbose = false

        func run() async throws {
            let policies: PolicySet
            do { policies = try PolicyLoader.load(directory: directory) } catch {
                Terminal.error("\(directory): \(error)")
                throw ExitCode(1)
            }
            let suiteDirectory = tests ?? directory
            guard !PolicyTestRunner.suiteFiles(in: suiteDirectory).isEmpty else {
                Terminal.error("\(suiteDirectory): no *_test.yaml suites found")
                throw ExitCode(1)
            }
            let report = PolicyTestRunner.run(directory: suiteDirectory, policies: policies, testFilter: run)
            Terminal.print(report.rendered(verbose: verbose))
            if !report.passed { throw ExitCode(1) }
        }
    }
}
