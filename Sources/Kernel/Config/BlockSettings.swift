/// A typed settings value decoded strictly from one `site.conf` block.
///
/// The initializer asks the reader for every directive it understands, with a default and a doc line;
/// anything else in the block is reported as unknown with a suggestion. The same initializer, run in
/// describe mode against an empty block, documents the settings for `lintel plugins`.
public protocol BlockSettings: Sendable {
    init(from reader: SettingsReader)
}

/// For plugins that take no settings beyond `enabled`.
public struct NoSettings: BlockSettings {
    public init() {}
    public init(from reader: SettingsReader) {}
}
