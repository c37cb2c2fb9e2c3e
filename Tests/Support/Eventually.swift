import Foundation
import Testing

/// Polls `condition` until it holds or `timeout` passes (for work that background services finish).
func eventually(timeout: Duration = .seconds(60), _ what: String, _ condition: @Sendable () async throws -> Bool,
                sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out waiting: \(what)", sourceLocation: sourceLocation)
}
