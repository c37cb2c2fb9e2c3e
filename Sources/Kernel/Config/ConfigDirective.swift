/// One argument of a directive as written, with its position.
public struct ConfigArgument: Sendable {
    public var text: ConfigText
    /// As written in the file, quotes included.
    public var source: String
    public var position: SourcePosition
    public var length: Int { source.unicodeScalars.count }

    public init(token: ConfigToken) {
        self.text = token.text
        self.source = token.source
        self.position = token.position
    }
}

/// A node of the configuration tree: `name arg… { children }`.
public struct ConfigDirective: Sendable {
    /// The directive's name (a literal word; names are never interpolated).
    public var name: String
    public var namePosition: SourcePosition
    public var arguments: [ConfigArgument]
    /// The nested directives when the directive has a `{ … }` block, else `nil`.
    public var children: [ConfigDirective]?
    /// Where the block's `{` is, for messages about the block as a whole.
    public var blockPosition: SourcePosition?

    public init(name: String, namePosition: SourcePosition, arguments: [ConfigArgument] = [], children: [ConfigDirective]? = nil, blockPosition: SourcePosition? = nil) {
        self.name = name
        self.namePosition = namePosition
        self.arguments = arguments
        self.children = children
        self.blockPosition = blockPosition
    }

    public var position: SourcePosition { namePosition }

    /// `name` plus its literal arguments, e.g. `plugin auth.local`: what identifies a block among its siblings.
    public var key: String {
        ([name] + arguments.map { $0.text.isLiteral ? $0.text.literalText : $0.source }).joined(separator: " ")
    }
}
