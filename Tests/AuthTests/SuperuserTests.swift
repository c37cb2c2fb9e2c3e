@testable import Auth
import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Synchronization
import Testing

/// `lintel createsuperuser`'s result, seen through the API.
@Suite("auth.local createsuperuser")
struct SuperuserTests {
    @Test func theSuperuserSignsInAsAVerifiedPlatformAdmin() async throws {
        try await AuthSite.withKernel(local: "email_verification_required on") { kernel, client in
            let plugin = try #require(kernel.plugins.compactMap { $0 as? LocalAuthPlugin }.first)
            let output = Mutex<[String]>([])
            let answers = Mutex(["root@example.com", "a strong admin passphrase", "a strong admin passphrase"])
            let invocation = PluginCommandInvocation(arguments: ["--first-name", "Root"], plugin: plugin, kernel: kernel,
                                                     output: { line in output.withLock { $0.append(line) } },
                                                     prompt: { _, _ in answers.withLock { $0.isEmpty ? nil : $0.removeFirst() } })
            let command = try #require(LocalAuthPlugin.commands.first { $0.path == ["createsuperuser"] })
            try await command.run(invocation)
            #expect(output.withLock { $0 }.first?.hasPrefix("Created platform admin root@example.com") == true)

            let tokens = try await client.signIn("root@example.com", password: "a strong admin passphrase")
            #expect(JWTParts.claims(tokens.access)["realm_access"]?["roles"] == ["platform_admin", "user"])
            let me = try await client.get("/api/v1/auth/me", token: tokens.access)
            #expect(me.json["email_verified"] == true)
            #expect(me.json["first_name"] == "Root")
        }
    }
}
