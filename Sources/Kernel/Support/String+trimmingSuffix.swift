extension String {
    /// The string without `suffix` at its end (unchanged when it does not end so).
    public func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
