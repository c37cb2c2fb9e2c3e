import Foundation
import HummingbirdTesting
import Kernel
@testable import LintelTesting
import Testing

@Suite("plugins: provisioning, services, routes, cleanup")
struct PluginLifecycleTests {
    @Test func pluginsReachEachOtherThroughTheServiceRegistry() async throws {
        try await TestSite.withKernel("plugin test.greeter { greeting Howdy\n excitement 2 }\nplugin test.audience { }",
                                      plugins: [AudiencePlugin.self, GreeterPlugin.self]) { kernel, client in
            #expect(kernel.services.provider(of: (any Greeting).self) == "test.greeter")
            try await client.execute(uri: "/api/v1/audience", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json == ["message": "Howdy, everyone!!"])
            }
        }
    }

    @Test func aFailureWhileProvisioningShutsDownWhatAlreadyStarted() async throws {
        let tag = UUID().uuidString
        let scratch = try await ScratchDatabase.make()
        let configuration = try TestSite.load("database \(scratch.url) { auto_migrate on }\nplugin test.greeter { greeting hi\n tag \(tag) }\nplugin test.audience { fail_to_start on\n tag \(tag) }",
                                              plugins: [GreeterPlugin.self, AudiencePlugin.self])
        await #expect {
            _ = try await Kernel.boot(configuration, logSink: .capture())
        } throws: { error in
            "\(error)" == "plugin test.audience failed to start: could not reach the audience"
        }
        #expect(Lifecycle.events(tag) == ["greeter.provision", "audience.provision", "greeter.shutdown"])
        await scratch.drop()
    }

    @Test func shutdownRunsInReverseStartOrder() async throws {
        let tag = UUID().uuidString
        try await TestSite.withKernel("plugin test.audience { tag \(tag) }\nplugin test.greeter { greeting hi\n tag \(tag) }",
                                      plugins: [AudiencePlugin.self, GreeterPlugin.self]) { _, _ in }
        #expect(Lifecycle.events(tag) == ["greeter.provision", "audience.provision", "greeter.shutdown"])
    }

    @Test func twoPluginsCannotOwnTheSameRoute() async throws {
        let scratch = try await ScratchDatabase.make()
        let configuration = try TestSite.load("database \(scratch.url) { auto_migrate on }\nplugin test.greeter { greeting hi }\nplugin test.thief { }",
                                              plugins: [GreeterPlugin.self, RouteThiefPlugin.self])
        await #expect {
            _ = try await Kernel.boot(configuration, logSink: .capture())
        } throws: { error in
            "\(error)" == "GET /api/v1/greeter is registered by more than one owner: test.greeter, test.thief"
        }
        await scratch.drop()
    }

    @Test func aDisabledPluginContributesNothing() async throws {
        try await TestSite.withKernel("plugin test.greeter { enabled off }", plugins: [GreeterPlugin.self]) { kernel, client in
            #expect(kernel.plugins.isEmpty)
            #expect(!kernel.routes.contains { $0.owner == "test.greeter" })
            try await client.execute(uri: "/api/v1/greeter", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func theServiceRegistryRefusesASecondProvider() throws {
        let registry = ServiceRegistry()
        try registry.register(GreeterPlugin.Greeter(greeting: "a", excitement: 0) as any Greeting, as: (any Greeting).self, by: "one")
        #expect(throws: ServiceRegistry.Failure.self) {
            try registry.register(GreeterPlugin.Greeter(greeting: "b", excitement: 0) as any Greeting, as: (any Greeting).self, by: "two")
        }
        #expect(registry.resolve((any Greeting).self)?.greet("x") == "a, x")
        #expect(throws: ServiceRegistry.Failure.self) { try registry.require((any Mailbox).self, by: "three") }
    }

    @Test func thePluginListingDocumentsSettingsWithDefaults() {
        let listing = PluginListing.render(PluginCatalog([GreeterPlugin.self, AudiencePlugin.self]))
        #expect(listing.contains("test.greeter — Says hello (test plugin)."))
        #expect(listing.contains("migrations: 0001_greetings"))
        #expect(listing.contains("greeting <a string>    # required"))
        #expect(listing.contains("excitement 1    # an integer"))
        #expect(listing.contains("requires: test.greeter"))
    }
}

private protocol Mailbox: Sendable {}

@Suite("boot with migrations pending")
struct PendingMigrationTests {
    @Test func withoutAutoMigrateTheKernelRefusesToStartOnAnOldSchema() async throws {
        let scratch = try await ScratchDatabase.make()
        let configuration = try TestSite.load("database \(scratch.url) { auto_migrate off }\nplugin test.greeter { greeting hi }", plugins: [GreeterPlugin.self])
        await #expect {
            _ = try await Kernel.boot(configuration, logSink: .capture())
        } throws: { error in
            let text = "\(error)"
            return text.hasSuffix("migrations are pending:") == false && text.contains("  test.greeter/0001_greetings\n")
                && text.hasSuffix("Run `lintel migrate`, or set `database { auto_migrate on }`.")
        }
        await scratch.drop()
    }
}
