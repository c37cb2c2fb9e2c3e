import Foundation
import HTTPTypes
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("policy loading and reloading")
struct PolicyReloadTests {
    static let plugins: [any Plugin.Type] = [RoleTokensPlugin.self, TenancyProbePlugin.self]
    static let headers: HTTPFields = [.authorization: "Bearer role_user_bob", HTTPField.Name("X-Test-Org")!: "acme"]

    /// A one-rule policy for `organization`: `user` may take `actions`.
    static func policy(_ actions: String) -> String {
        """
        apiVersion: api.cerbos.dev/v1
        resourcePolicy:
          resource: organization
          version: default
          rules:
            - actions: [\(actions)]
              effect: EFFECT_ALLOW
              roles: ["user"]
        """
    }

    static func conf(_ directory: TemporaryDirectory, watch: String) -> String {
        "plugin test.roles { }\nplugin test.tenancy { }\nauthorization {\n    policies \"\(directory.path)\"\n    watch \(watch)\n}\n"
    }

    @Test func aChangedFileIsPickedUpAndABrokenOneKeepsTheOldSet() async throws {
        let directory = TemporaryDirectory()
        directory.write("organization.yaml", Self.policy(#""read""#))
        let logs = LogSink.capture()
        try await TestSite.withKernel(Self.conf(directory, watch: "100ms"), plugins: Self.plugins, logs: logs) { _, client in
            let update = "/api/v1/probe/orgs/acme"
            #expect(try await client.execute(uri: update, method: .patch, headers: Self.headers).status == .forbidden)

            directory.write("organization.yaml", Self.policy(#""read", "update""#))
            try await eventually("the new policy serves") {
                try await client.execute(uri: update, method: .patch, headers: Self.headers).status == .ok
            }
            #expect(logs.captured.contains { $0.contains("policies reloaded") })

            // A broken change: reported with file and position, and the running set keeps answering.
            directory.write("organization.yaml", Self.policy(#""read""#) + "\n      condition:\n        match:\n          expr: R.attr.( == 1\n")
            try await eventually("the broken set is reported") {
                logs.captured.contains { $0.contains("policies not reloaded") }
            }
            let failure = try #require(logs.captured.first { $0.contains("policies not reloaded") })
            #expect(failure.contains("organization.yaml"))
            #expect(try await client.execute(uri: update, method: .patch, headers: Self.headers).status == .ok)

            let metrics = try await client.execute(uri: "/api/v1/monitoring/metrics", method: .get).text
            #expect(metrics.contains(#"lintel_policy_reloads_total{outcome="failed"}"#))
            #expect(metrics.contains(#"lintel_policy_reloads_total{outcome="ok"}"#))
        }
    }

    @Test func aChangeMadeWhileTheServerStartsIsPickedUp() async throws {
        let directory = TemporaryDirectory()
        directory.write("organization.yaml", Self.policy(#""read""#))
        // The policies are read at boot; the file changes before the watcher has looked at it even once.
        let changeDuringStart: @Sendable () -> Void = { _ = directory.write("organization.yaml", Self.policy(#""read", "update""#)) }
        try await TestSite.withKernel(Self.conf(directory, watch: "100ms"), plugins: Self.plugins, beforeStart: changeDuringStart) { _, client in
            try await eventually("the changed policy serves") {
                try await client.execute(uri: "/api/v1/probe/orgs/acme", method: .patch, headers: Self.headers).status == .ok
            }
        }
    }

    @Test func sighupReloadsWhenWatchingIsOff() async throws {
        let directory = TemporaryDirectory()
        directory.write("organization.yaml", Self.policy(#""read""#))
        try await TestSite.withKernel(Self.conf(directory, watch: "0s"), plugins: Self.plugins) { _, client in
            let update = "/api/v1/probe/orgs/acme"
            directory.write("organization.yaml", Self.policy(#""read", "update""#))
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.execute(uri: update, method: .patch, headers: Self.headers).status == .forbidden)
            kill(getpid(), SIGHUP)
            try await eventually("SIGHUP reloads") {
                try await client.execute(uri: update, method: .patch, headers: Self.headers).status == .ok
            }
        }
    }

    @Test func brokenPoliciesStopTheKernelBeforeAnythingStarts() async throws {
        let directory = TemporaryDirectory()
        directory.write("organization.yaml", Self.policy(#""read""#).replacingOccurrences(of: "effect:", with: "efect:"))
        directory.write("team.yaml", Self.policy(#""read""#).replacingOccurrences(of: "organization", with: "team")
            .replacingOccurrences(of: "version: default", with: "version: default\n  importDerivedRoles: [missing_roles]"))
        let configuration = try TestSite.load("authorization { policies \"\(directory.path)\" }\n")
        do {
            _ = try await Kernel.boot(configuration, logSink: .capture())
            Issue.record("the kernel booted with broken policies")
        } catch let error as KernelError {
            let text = error.description
            #expect(text.contains("do not compile (3 problems)"))
            #expect(text.contains("organization.yaml"))
            #expect(text.contains("organization.yaml:7:7: unknown field \"efect\", did you mean \"effect\"?"))
            #expect(text.contains("team.yaml"))
            #expect(text.contains("missing_roles"))
            #expect(text.contains("lintel policy check"))
        }
    }

    @Test func aMissingPolicyDirectoryStopsTheKernel() async throws {
        let configuration = try TestSite.load("authorization { policies \"/nonexistent/lintel-policies\" }\n")
        await #expect(throws: KernelError.self) { _ = try await Kernel.boot(configuration, logSink: .capture()) }
    }
}
