import ArgumentParser
import Kernel

struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() async throws {
        Terminal.print("lintel \(Kernel.version)")
    }
}
