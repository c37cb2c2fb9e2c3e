/// Orders enabled plugins so each comes after what it `requires` (Kahn's algorithm; ties keep catalog order).
enum PluginOrder {
    enum Failure: Error, Equatable {
        /// `plugin` requires `requirement`, which is not enabled.
        case missing(plugin: PluginID, requirement: PluginID)
        /// The plugins on a `requires` cycle, in order.
        case cycle([PluginID])
    }

    static func sort(_ ids: [PluginID], requires: (PluginID) -> [PluginID]) -> Result<[PluginID], Failure> {
        let enabled = Set(ids)
        for id in ids {
            for requirement in requires(id) where !enabled.contains(requirement) {
                return .failure(.missing(plugin: id, requirement: requirement))
            }
        }
        var remaining = ids
        var placed = Set<PluginID>()
        var order: [PluginID] = []
        while !remaining.isEmpty {
            guard let next = remaining.firstIndex(where: { requires($0).allSatisfy(placed.contains) }) else {
                return .failure(.cycle(findCycle(in: remaining, requires: requires)))
            }
            let id = remaining.remove(at: next)
            placed.insert(id)
            order.append(id)
        }
        return .success(order)
    }

    /// One cycle among plugins none of which could be placed: follow requirements until one repeats.
    private static func findCycle(in stuck: [PluginID], requires: (PluginID) -> [PluginID]) -> [PluginID] {
        let stuckSet = Set(stuck)
        var path: [PluginID] = []
        var current = stuck[0]
        while !path.contains(current) {
            path.append(current)
            guard let next = requires(current).first(where: stuckSet.contains) else { break }
            current = next
        }
        guard let start = path.firstIndex(of: current) else { return path }
        return Array(path[start...]) + [current]
    }
}
