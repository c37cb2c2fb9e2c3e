/// Builds the directive tree of one file from its tokens. Imports are resolved later by `ConfigLoader`.
struct ConfigParser {
    private let tokens: [ConfigToken]
    private let file: SourceFile
    private var index = 0

    static func parse(_ file: SourceFile) throws(ConfigError) -> [ConfigDirective] {
        var parser = ConfigParser(tokens: try ConfigLexer.tokenize(file), file: file)
        return try parser.parseItems(openedAt: nil)
    }

    private init(tokens: [ConfigToken], file: SourceFile) {
        self.tokens = tokens.filter { $0.kind != .comment }
        self.file = file
    }

    private var endPosition: SourcePosition {
        SourcePosition(file: file, line: max(1, file.lines.count), column: (file.lines.last?.unicodeScalars.count ?? 0) + 1)
    }

    private mutating func parseItems(openedAt open: SourcePosition?) throws(ConfigError) -> [ConfigDirective] {
        var items: [ConfigDirective] = []
        while index < tokens.count {
            let token = tokens[index]
            switch token.kind {
            case .terminator, .comment:
                index += 1
            case .closeBrace:
                guard open != nil else {
                    throw ConfigError(Diagnostic("unexpected '}'", at: token.position, help: "this closes a block that was never opened"))
                }
                index += 1
                return items
            case .openBrace:
                throw ConfigError(Diagnostic("a block needs a name", at: token.position,
                                             help: "write the directive before '{', e.g. 'server {'"))
            case .quoted, .rawQuoted:
                throw ConfigError(Diagnostic("expected a directive name, found a string", at: token.position, length: token.length,
                                             help: "directive names are bare words like 'listen'"))
            case .word:
                guard token.text.isLiteral else {
                    throw ConfigError(Diagnostic("a directive name cannot contain ${…}", at: token.position, length: token.length,
                                                 help: "use variables in arguments: 'listen ${LISTEN}'"))
                }
                items.append(try parseDirective(name: token))
            }
        }
        if let open {
            throw ConfigError(Diagnostic("this block is never closed", at: open,
                                         help: "add '}' before the end of \(file.path)"))
        }
        return items
    }

    private mutating func parseDirective(name: ConfigToken) throws(ConfigError) -> ConfigDirective {
        index += 1
        var directive = ConfigDirective(name: name.text.literalText, namePosition: name.position)
        while index < tokens.count {
            let token = tokens[index]
            switch token.kind {
            case .word, .quoted, .rawQuoted:
                directive.arguments.append(ConfigArgument(token: token))
                index += 1
            case .terminator, .closeBrace, .comment:
                return directive
            case .openBrace:
                index += 1
                directive.blockPosition = token.position
                directive.children = try parseItems(openedAt: token.position)
                if index < tokens.count, tokens[index].kind != .terminator, tokens[index].kind != .closeBrace {
                    throw ConfigError(Diagnostic("expected a new line after '}'", at: tokens[index].position,
                                                 length: tokens[index].length, help: "start the next directive on its own line"))
                }
                return directive
            }
        }
        return directive
    }
}
