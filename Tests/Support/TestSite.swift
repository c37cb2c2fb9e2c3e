import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Logging

/// Builds configurations and running kernels from site.conf text, the way a deployment would.
enum TestSite {
    /// Loads `text` as `site.conf` (written to a temporary file) with `variables` as the environment.
    static func load(_ text: String, variables: [String: String] = [:], environment: String? = nil,
                     plugins: [any Plugin.Type] = [], directory: TemporaryDirectory = TemporaryDirectory()) throws -> SiteConfiguration {
        let path = directory.write("site.conf", text)
        return try SiteConfiguration.load(path: path, environmentName: environment, variables: variables, catalog: PluginCatalog(plugins))
    }

    /// The diagnostics `text` produces (fails the test if it loads).
    static func diagnostics(_ text: String, variables: [String: String] = [:], environment: String? = nil,
                            plugins: [any Plugin.Type] = []) -> [Diagnostic] {
        do {
            _ = try load(text, variables: variables, environment: environment, plugins: plugins)
            return []
        } catch let error as ConfigError {
            return error.diagnostics
        } catch {
            return [Diagnostic("unexpected error \(error)", at: nil)]
        }
    }

    /// Boots a kernel on a scratch database with `conf` (a `database` line is added) and runs `body` with
    /// an in-process client; shuts everything down afterwards. `beforeStart` runs between the boot and the
    /// start of the kernel's services.
    static func withKernel<T: Sendable>(
        _ conf: String = "",
        variables: [String: String] = [:],
        plugins: [any Plugin.Type] = [],
        logs: LogSink = .capture(),
        beforeStart: @Sendable () -> Void = {},
        _ body: @escaping @Sendable (Kernel, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let scratch = try await ScratchDatabase.make()
        // Tests send many anonymous requests from one address: limits are off unless a test sets them.
        let limits = conf.contains("rate_limit") ? "" : "rate_limit { enabled off }\n"
        // The repository's policies, wherever the tests run from.
        let policies = conf.contains("authorization") ? "" : "authorization { policies \"\(Repository.root)/policies\" }\n"
        // A generous busy timeout: tests that share one SQLite file between kernels run on a loaded machine.
        let configuration = try load("database \(scratch.url) {\n    auto_migrate on\n    busy_timeout 30s\n}\n" + limits + policies + conf,
                                     variables: variables, plugins: plugins)
        let kernel = try await Kernel.boot(configuration, logSink: logs)
        beforeStart()
        do {
            let result = try await kernel.makeApplication().test(.router) { client in try await body(kernel, client) }
            await kernel.shutdown()
            await scratch.drop()
            return result
        } catch {
            await kernel.shutdown()
            await scratch.drop()
            throw error
        }
    }
}

extension TestResponse {
    /// The body parsed as JSON.
    var json: JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))) ?? .null
    }

    var text: String { String(buffer: body) }
}

import NIOCore
import NIOFoundationCompat
