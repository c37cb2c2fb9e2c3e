/// Recursive-descent CEL parser with CEL's precedence, macro expansion and reserved-word checks.
public struct CELParser {
    private var tokens: [CELToken]
    private var index = 0
    private let lexer: CELLexer
    private var depth = 0

    static let reserved: Set<String> = ["as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop",
                                        "package", "namespace", "return", "var", "void", "while"]
    static let keywords: Set<String> = ["true", "false", "null", "in"]
    /// Deeper nesting is refused rather than risking the stack.
    static let maximumDepth = 250

    public static func parse(_ source: String) throws(CELParseError) -> CELExpr {
        var lexer = CELLexer(source)
        var parser = CELParser(tokens: try lexer.tokenize(), lexer: lexer)
        let expr = try parser.expression()
        guard case .end = parser.current.kind else { throw parser.error("unexpected \(parser.describe(parser.current))") }
        return expr
    }

    private init(tokens: [CELToken], lexer: CELLexer) {
        self.tokens = tokens
        self.lexer = lexer
    }

    private var current: CELToken { tokens[index] }

    private func error(_ message: String, at offset: Int? = nil) -> CELParseError {
        lexer.error(message, at: offset ?? current.offset)
    }

    private func describe(_ token: CELToken) -> String {
        switch token.kind {
        case .identifier(let name): return "'\(name)'"
        case .punct(let p): return "'\(p)'"
        case .end: return "end of expression"
        default: return "literal"
        }
    }

    private func isPunct(_ p: String) -> Bool {
        if case .punct(let q) = current.kind { return q == p }
        return false
    }

    private mutating func expect(_ p: String) throws(CELParseError) {
        guard isPunct(p) else { throw error("expected '\(p)', found \(describe(current))") }
        index += 1
    }

    private mutating func nested<T>(_ body: (inout CELParser) throws(CELParseError) -> T) throws(CELParseError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth < Self.maximumDepth else { throw error("expression nested too deeply") }
        return try body(&self)
    }

    // MARK: Precedence levels

    private mutating func expression() throws(CELParseError) -> CELExpr {
        try nested { (p: inout CELParser) throws(CELParseError) -> CELExpr in
            let condition = try p.conditionalOr()
            guard p.isPunct("?") else { return condition }
            let at = p.current.offset
            p.index += 1
            let whenTrue = try p.conditionalOr()
            try p.expect(":")
            let whenFalse = try p.expression()
            return .call(function: "_?_:_", target: nil, args: [condition, whenTrue, whenFalse], at: at)
        }
    }

    private mutating func conditionalOr() throws(CELParseError) -> CELExpr {
        var left = try conditionalAnd()
        while isPunct("||") {
            let at = current.offset
            index += 1
            left = .call(function: "_||_", target: nil, args: [left, try conditionalAnd()], at: at)
        }
        return left
    }

    private mutating func conditionalAnd() throws(CELParseError) -> CELExpr {
        var left = try relation()
        while isPunct("&&") {
            let at = current.offset
            index += 1
            left = .call(function: "_&&_", target: nil, args: [left, try relation()], at: at)
        }
        return left
    }

    private mutating func relation() throws(CELParseError) -> CELExpr {
        var left = try addition()
        while true {
            let at = current.offset
            let function: String
            switch current.kind {
            case .punct("<"): function = "_<_"
            case .punct("<="): function = "_<=_"
            case .punct(">"): function = "_>_"
            case .punct(">="): function = "_>=_"
            case .punct("=="): function = "_==_"
            case .punct("!="): function = "_!=_"
            case .identifier("in"): function = "@in"
            default: return left
            }
            index += 1
            left = .call(function: function, target: nil, args: [left, try addition()], at: at)
        }
    }

    private mutating func addition() throws(CELParseError) -> CELExpr {
        var left = try multiplication()
        while true {
            let at = current.offset
            let function: String
            switch current.kind {
            case .punct("+"): function = "_+_"
            case .punct("-"): function = "_-_"
            default: return left
            }
            index += 1
            left = .call(function: function, target: nil, args: [left, try multiplication()], at: at)
        }
    }

    private mutating func multiplication() throws(CELParseError) -> CELExpr {
        var left = try unary()
        while true {
            let at = current.offset
            let function: String
            switch current.kind {
            case .punct("*"): function = "_*_"
            case .punct("/"): function = "_/_"
            case .punct("%"): function = "_%_"
            default: return left
            }
            index += 1
            left = .call(function: function, target: nil, args: [left, try unary()], at: at)
        }
    }

    private mutating func unary() throws(CELParseError) -> CELExpr {
        let at = current.offset
        if isPunct("!") {
            var count = 0
            while isPunct("!") { count += 1; index += 1 }
            let operand = try member()
            return count % 2 == 0 ? operand : .call(function: "!_", target: nil, args: [operand], at: at)
        }
        if isPunct("-") {
            var count = 0
            while isPunct("-") { count += 1; index += 1 }
            // A minus directly before a numeric literal is part of the literal (so MinInt64 is writable).
            if count % 2 == 1 {
                switch current.kind {
                case .int(let value):
                    index += 1
                    return try memberSuffixes(.literal(.int(-value), at: at))
                case .intMagnitude(let magnitude) where magnitude == UInt64(Int64.max) + 1:
                    index += 1
                    return try memberSuffixes(.literal(.int(Int64.min), at: at))
                case .double(let value):
                    index += 1
                    return try memberSuffixes(.literal(.double(-value), at: at))
                default: break
                }
            }
            let operand = try member()
            return count % 2 == 0 ? operand : .call(function: "-_", target: nil, args: [operand], at: at)
        }
        return try member()
    }

    private mutating func member() throws(CELParseError) -> CELExpr {
        try memberSuffixes(try primary())
    }

    private mutating func memberSuffixes(_ base: CELExpr) throws(CELParseError) -> CELExpr {
        var expr = base
        while true {
            let at = current.offset
            if isPunct(".") {
                index += 1
                guard case .identifier(let name) = current.kind else { throw error("expected a field name after '.', found \(describe(current))") }
                guard !Self.keywords.contains(name) else { throw error("'\(name)' is a keyword and cannot be a field name") }
                index += 1
                if isPunct("(") {
                    index += 1
                    let args = try arguments(")")
                    expr = try macroOrCall(name, target: expr, args: args, at: at)
                } else {
                    expr = .select(expr, field: name, at: at)
                }
            } else if isPunct("[") {
                index += 1
                let key = try expression()
                try expect("]")
                expr = .call(function: "_[_]", target: nil, args: [expr, key], at: at)
            } else {
                return expr
            }
        }
    }

    private mutating func arguments(_ closing: String) throws(CELParseError) -> [CELExpr] {
        var args: [CELExpr] = []
        if isPunct(closing) { index += 1; return args }
        while true {
            args.append(try expression())
            if isPunct(",") {
                index += 1
                if isPunct(closing), closing != ")" { index += 1; return args }
                continue
            }
            try expect(closing)
            return args
        }
    }

    private mutating func primary() throws(CELParseError) -> CELExpr {
        let token = current
        let at = token.offset
        switch token.kind {
        case .int(let v): index += 1; return .literal(.int(v), at: at)
        case .intMagnitude: throw error("invalid int literal: out of range", at: at)
        case .uint(let v): index += 1; return .literal(.uint(v), at: at)
        case .double(let v): index += 1; return .literal(.double(v), at: at)
        case .string(let s): index += 1; return .literal(.string(s), at: at)
        case .bytes(let b): index += 1; return .literal(.bytes(b), at: at)
        case .identifier(let name):
            index += 1
            switch name {
            case "true": return .literal(.bool(true), at: at)
            case "false": return .literal(.bool(false), at: at)
            case "null": return .literal(.null, at: at)
            case "in": throw error("unexpected 'in'", at: at)
            default: break
            }
            if isPunct("(") {
                index += 1
                let args = try arguments(")")
                guard !Self.reserved.contains(name) else { throw error("reserved identifier: \(name)", at: at) }
                return try macroOrCall(name, target: nil, args: args, at: at)
            }
            guard !Self.reserved.contains(name) else { throw error("reserved identifier: \(name)", at: at) }
            if isPunct("{") { throw error("message construction is not supported", at: current.offset) }
            return .ident(name, at: at)
        case .punct("."):
            index += 1
            guard case .identifier(let name) = current.kind else { throw error("expected an identifier after '.'") }
            index += 1
            if isPunct("(") {
                index += 1
                return try macroOrCall(name, target: nil, args: try arguments(")"), at: at)
            }
            return .ident(name, at: at)
        case .punct("("):
            index += 1
            let inner = try expression()
            try expect(")")
            return inner
        case .punct("["):
            index += 1
            return .list(try arguments("]"), at: at)
        case .punct("{"):
            index += 1
            var entries: [CELMapEntry] = []
            if isPunct("}") { index += 1; return .map(entries, at: at) }
            while true {
                let key = try expression()
                try expect(":")
                entries.append(CELMapEntry(key: key, value: try expression()))
                if isPunct(",") {
                    index += 1
                    if isPunct("}") { index += 1; break }
                    continue
                }
                try expect("}")
                break
            }
            return .map(entries, at: at)
        case .end:
            throw error("unexpected end of expression", at: at)
        default:
            throw error("unexpected \(describe(token))", at: at)
        }
    }

    // MARK: Macros

    private func simpleName(_ expr: CELExpr, _ at: Int) throws(CELParseError) -> String {
        guard case .ident(let name, _) = expr else { throw error("argument must be a simple name", at: at) }
        guard name != "__result__", name != "@result" else { throw error("iteration variable overwrites the accumulator", at: at) }
        return name
    }

    private func macroOrCall(_ name: String, target: CELExpr?, args: [CELExpr], at: Int) throws(CELParseError) -> CELExpr {
        if target == nil, name == "has", args.count == 1 {
            guard case .select(let operand, let field, let position) = args[0] else {
                throw error("invalid argument to has() macro", at: at)
            }
            return .presence(operand, field: field, at: position)
        }
        if let target {
            // Namespaced functions (`math.greatest`, `cel.bind`, `base64.encode`) parse as receiver calls on an identifier.
            if case .ident(let namespace, _) = target, ["math", "cel", "base64", "strings", "lists", "sets"].contains(namespace) {
                return try namespacedCall("\(namespace).\(name)", args: args, at: at)
            }
            let kind: CELComprehension.Kind?
            switch (name, args.count) {
            case ("all", 2), ("all", 3): kind = .all
            case ("exists", 2), ("exists", 3): kind = .exists
            case ("exists_one", 2), ("exists_one", 3), ("existsOne", 2), ("existsOne", 3): kind = .existsOne
            case ("map", 2), ("map", 3): kind = .map
            case ("filter", 2): kind = .filter
            case ("transformList", 3), ("transformList", 4): kind = .transformList
            case ("transformMap", 3), ("transformMap", 4): kind = .transformMap
            case ("transformMapEntry", 3), ("transformMapEntry", 4): kind = .transformMapEntry
            default: kind = nil
            }
            if let kind {
                let first = try simpleName(args[0], at)
                switch kind {
                case .map:
                    return .comprehension(CELComprehension(kind: .map, range: target, variable: first, secondVariable: nil,
                                                           predicate: args.count == 3 ? args[1] : nil, transform: args.last), at: at)
                case .filter:
                    return .comprehension(CELComprehension(kind: .filter, range: target, variable: first, secondVariable: nil,
                                                           predicate: args[1], transform: nil), at: at)
                case .transformList, .transformMap, .transformMapEntry:
                    let second = try simpleName(args[1], at)
                    guard first != second else { throw error("duplicate variable name: \(first)", at: at) }
                    return .comprehension(CELComprehension(kind: kind, range: target, variable: first, secondVariable: second,
                                                           predicate: args.count == 4 ? args[2] : nil, transform: args.last), at: at)
                default:
                    if args.count == 3 {
                        let second = try simpleName(args[1], at)
                        guard first != second else { throw error("duplicate variable name: \(first)", at: at) }
                        return .comprehension(CELComprehension(kind: kind, range: target, variable: first, secondVariable: second,
                                                               predicate: args[2], transform: nil), at: at)
                    }
                    return .comprehension(CELComprehension(kind: kind, range: target, variable: first, secondVariable: nil,
                                                           predicate: args[1], transform: nil), at: at)
                }
            }
        }
        return .call(function: name, target: target, args: args, at: at)
    }

    private func namespacedCall(_ name: String, args: [CELExpr], at: Int) throws(CELParseError) -> CELExpr {
        switch name {
        case "cel.bind":
            guard args.count == 3 else { throw error("cel.bind takes three arguments", at: at) }
            return .bind(name: try simpleName(args[0], at), value: args[1], body: args[2], at: at)
        case "math.greatest", "math.least":
            guard !args.isEmpty else { throw error("\(name)() requires at least one argument", at: at) }
            if args.count == 1 {
                switch args[0] {
                case .literal(.string, _), .literal(.bool, _), .literal(.null, _), .literal(.bytes, _), .map:
                    throw error("\(name)() invalid single argument value", at: at)
                default: break
                }
            }
            return .call(function: name, target: nil, args: args, at: at)
        default:
            return .call(function: name, target: nil, args: args, at: at)
        }
    }
}
