import CEL
import Foundation
import Synchronization

/// The decision point: the current policy set and the options checks use. A reload compiles the new set
/// completely (`PolicyLoader.load`) before `replace` swaps it in, so a broken change is reported and the
/// running set keeps serving.
public final class PolicyEngine: Sendable {
    private let current: Mutex<(policies: PolicySet, generation: Int)>
    public let options: CheckOptions

    public init(policies: PolicySet, options: CheckOptions = CheckOptions()) {
        current = Mutex((policies, 0))
        self.options = options
    }

    /// The set checks use now.
    public var policies: PolicySet { current.withLock { $0.policies } }

    /// The set checks use now and its generation: 0 for the set the engine started with, one more for each
    /// `replace`. What was decided under one generation may be remembered until the next.
    public var snapshot: (policies: PolicySet, generation: Int) { current.withLock { $0 } }

    /// Replaces the policy set atomically.
    public func replace(_ policies: PolicySet) { current.withLock { $0 = (policies, $0.generation + 1) } }

    public func check(principal: CheckPrincipal, resource: CheckResource, actions: [String], auxData: CELMap? = nil,
                      now: CELTimestamp = CELTimestamp(Date())) -> CheckResult {
        policies.check(principal: principal, resource: resource, actions: actions, auxData: auxData, options: options, now: now)
    }
}

extension PolicyLoader {
    /// What changes when any policy or schema file under `directory` changes: paths, sizes and modification
    /// times. Cheap enough to poll.
    public static func fingerprint(directory: String) -> String {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        var parts: [String] = []
        for relative in walk(root, relative: "") {
            // stat(2) itself: FileManager's attributes also resolve the owner's and group's names, reading
            // /etc/passwd and /etc/group for every file on every poll.
            var info = stat()
            guard stat(root.appendingPathComponent(relative).path, &info) == 0 else {
                parts.append("\(relative)|-1")
                continue
            }
            #if canImport(Darwin)
            let modified = info.st_mtimespec
            #else
            let modified = info.st_mtim
            #endif
            parts.append("\(relative)|\(info.st_size)|\(modified.tv_sec).\(modified.tv_nsec)")
        }
        return parts.joined(separator: "\n")
    }
}
