import ArgumentParser
import Foundation
import Kernel
import Logging

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (or list them with --status).",
        discussion: """
            Migrations of the Kernel and of every enabled plugin run in order, each in its own transaction. \
            An applied migration whose SQL changed since is refused, and nothing is applied. Several processes \
            may run this at once safely.
            """
    )

    @OptionGroup var site: SiteOptions

    @Flag(name: .long, help: "List every migration and whether it is applied, instead of applying.")
    var status = false

    func run() async throws {
        let configuration = try site.load()
        let logger = Kernel.makeLogger(configuration.logging)
        let database: Database
        do {
            database = try await Database.open(configuration.database, logger: logger)
        } catch {
            Terminal.error("lintel: cannot open the database: \(error)")
            throw ExitCode(1)
        }
        let migrator = Migrator(database: database, sets: Kernel.migrationSets(for: configuration), logger: logger)
        defer { Task { await database.close() } }
        do {
            if status {
                let rows = try await migrator.status()
                Terminal.print(Self.table(rows))
                if rows.contains(where: { if case .changed = $0.state { true } else { false } }) { throw ExitCode(1) }
            } else {
                let applied = try await migrator.migrate()
                Terminal.print(applied.isEmpty ? "Nothing to apply: the database is up to date." :
                    "Applied \(applied.count) migration\(applied.count == 1 ? "" : "s"):\n" + applied.map { "  \($0.owner)/\($0.id)" }.joined(separator: "\n"))
            }
        } catch let error as Migrator.Failure {
            await database.close()
            Terminal.error("lintel: \(error)")
            throw ExitCode(1)
        }
        await database.close()
    }

    static func table(_ rows: [Migrator.Status]) -> String {
        guard !rows.isEmpty else { return "No migrations are declared." }
        let ownerWidth = max(5, rows.map(\.owner.count).max()!)
        let idWidth = max(9, rows.map(\.id.count).max()!)
        var lines = ["OWNER".padding(toLength: ownerWidth, withPad: " ", startingAt: 0) + "  "
            + "MIGRATION".padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  STATE"]
        for row in rows {
            let state: String
            switch row.state {
            case .applied(let at): state = "applied \(at.formatted(.iso8601))"
            case .pending: state = "pending"
            case .changed(let at): state = "CHANGED since applied \(at.formatted(.iso8601)) (refused)"
            case .unknown(let at): state = "applied \(at.formatted(.iso8601)), not declared by any enabled owner"
            }
            lines.append(row.owner.padding(toLength: ownerWidth, withPad: " ", startingAt: 0) + "  "
                + row.id.padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  " + state)
        }
        let pending = rows.filter { $0.state == .pending }.count
        lines.append("")
        lines.append(pending == 0 ? "Up to date." : "\(pending) pending: run `lintel migrate`.")
        return lines.joined(separator: "\n")
    }
}
