/// "Did you mean …" for typos in directive names, plugin ids and enum values.
public enum Suggestion {
    /// The candidate closest to `word` by edit distance, if it is close enough to be a plausible typo.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let lowered = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        guard let (candidate, distance) = best else { return nil }
        let tolerance = max(2, min(word.count, candidate.count) / 3)
        return distance <= tolerance ? candidate : nil
    }

    /// A help line: "did you mean 'x'?" when one is close, then what is accepted.
    /// `noun` names what is expected ("plugin id"), for when nothing is.
    public static func help(for word: String, in candidates: [String], noun: String = "") -> String {
        let list = candidates.sorted().map { "'\($0)'" }.joined(separator: ", ")
        let accepted = candidates.isEmpty ? "no \(noun.isEmpty ? "value" : noun) is accepted here" : "expected one of \(list)"
        if let near = closest(to: word, in: candidates) {
            return "did you mean '\(near)'? (\(accepted))"
        }
        return accepted
    }

    /// Damerau–Levenshtein (optimal string alignment) distance: a swap of two letters counts once.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
