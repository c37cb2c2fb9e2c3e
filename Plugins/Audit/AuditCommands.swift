import Foundation
import Kernel

/// `lintel audit verify` and `lintel audit checkpoint`.
extension AuditPlugin {
    public static let commands = [
        PluginCommand(["audit", "verify"], abstract: "Verify audit chains (all, or one org's) and report the first broken link; exit 1 when one is broken.",
                      usage: "[--org <id>|platform] [--from <date>] [--to <date>]") { invocation in
            let service = try Self.service(invocation)
            let from = try invocation.option("from").map { try AuditQuery.micros($0, field: "from", endOfDay: false) }
            let to = try invocation.option("to").map { try AuditQuery.micros($0, field: "to", endOfDay: true) }
            let chains: [String]
            if let org = invocation.option("org") {
                chains = [org]
            } else {
                chains = try await service.database.read { sql in try await service.checkpoints.chains(in: sql) }
            }
            var broken = 0
            let started = ContinuousClock.now
            var total = 0
            for chain in chains {
                let report = try await service.verifier.verify(chain, from: from, to: to)
                total += report.checked
                if let problem = report.problem {
                    broken += 1
                    invocation.output("\(chain): BROKEN after \(report.checked) entries — \(problem.kind.rawValue) at sequence \(problem.sequence): \(problem.detail)")
                } else {
                    invocation.output("\(chain): ok, \(report.checked) entries" + (report.checkpoint.map { ", checkpoint of \($0.treeSize) entries verified" } ?? ""))
                }
            }
            let elapsed = ContinuousClock.now - started
            invocation.output("\(chains.count) chain(s), \(total) entries in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds]))); \(broken) broken.")
            if broken > 0 { throw PluginCommandError("\(broken) audit chain(s) failed verification") }
        },
        PluginCommand(["audit", "checkpoint"], abstract: "Sign a checkpoint now for every chain that grew.") { invocation in
            let made = try await Self.service(invocation).checkpointAll()
            for checkpoint in made { invocation.output("\(checkpoint.chain): \(checkpoint.treeSize) entries, root \(checkpoint.rootHash)") }
            if made.isEmpty { invocation.output("No chain grew since its last checkpoint.") }
        },
    ]

    static func service(_ invocation: PluginCommandInvocation) throws -> AuditService {
        guard let plugin = invocation.plugin as? AuditPlugin else { throw PluginCommandError("audit is not running") }
        return plugin.service
    }
}
