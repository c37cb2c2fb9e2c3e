import CEL
import Foundation

/// RFC 3986 reference resolution, enough for `$id` and `$ref` (`other.json#/$defs/x` against `cerbos:///a.json`).
enum SchemaURI {
    private struct Parts {
        var scheme: String?
        var authority: String?
        var path = ""
        var query: String?
        var fragment: String?

        init(_ text: String) {
            var rest = Substring(text)
            if let hash = rest.firstIndex(of: "#") {
                fragment = String(rest[rest.index(after: hash)...])
                rest = rest[..<hash]
            }
            if let question = rest.firstIndex(of: "?") {
                query = String(rest[rest.index(after: question)...])
                rest = rest[..<question]
            }
            if let colon = rest.firstIndex(of: ":"), SchemaURI.isScheme(rest[..<colon]) {
                scheme = String(rest[..<colon])
                rest = rest[rest.index(after: colon)...]
            }
            if rest.hasPrefix("//") {
                rest = rest.dropFirst(2)
                let end = rest.firstIndex(of: "/") ?? rest.endIndex
                authority = String(rest[..<end])
                rest = rest[end...]
            }
            path = String(rest)
        }

        var text: String {
            var out = ""
            if let scheme { out += scheme + ":" }
            if let authority { out += "//" + authority }
            out += path
            if let query { out += "?" + query }
            if let fragment { out += "#" + fragment }
            return out
        }
    }

    static func resolve(_ reference: String, against base: String) -> String {
        let r = Parts(reference)
        let b = Parts(base)
        var t = r
        if r.scheme != nil {
            t.path = removeDotSegments(r.path)
            return t.text
        }
        t.scheme = b.scheme
        if r.authority != nil {
            t.path = removeDotSegments(r.path)
            return t.text
        }
        t.authority = b.authority
        if r.path.isEmpty {
            t.path = b.path
            t.query = r.query ?? b.query
        } else if r.path.hasPrefix("/") {
            t.path = removeDotSegments(r.path)
        } else if b.authority != nil && b.path.isEmpty {
            t.path = removeDotSegments("/" + r.path)
        } else {
            let directory = b.path.lastIndex(of: "/").map { String(b.path[...$0]) } ?? ""
            t.path = removeDotSegments(directory + r.path)
        }
        return t.text
    }

    /// Whether `text` is a URI scheme: a letter, then letters, digits, `+`, `-` and `.`.
    static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }
    }

    /// The URI without its fragment, and the fragment (percent-decoded).
    static func split(_ uri: String) -> (resource: String, fragment: String) {
        guard let hash = uri.firstIndex(of: "#") else { return (uri, "") }
        let fragment = String(uri[uri.index(after: hash)...])
        return (String(uri[..<hash]), fragment.removingPercentEncoding ?? fragment)
    }

    private static func removeDotSegments(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var output: [Substring] = []
        for (i, segment) in segments.enumerated() where !(i == 0 && absolute) {
            let last = i == segments.count - 1
            switch segment {
            case ".":
                if last { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if last { output.append("") }
            default:
                output.append(segment)
            }
        }
        return (absolute ? "/" : "") + output.joined(separator: "/")
    }
}

enum JSONPointer {
    static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func tokens(_ pointer: String) -> [String] {
        pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map { $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~") }
    }

    /// `pointer` with every token escaped the one canonical way, so equal locations have equal keys.
    static func canonical(_ pointer: String) -> String {
        tokens(pointer).map { "/" + escape($0) }.joined()
    }

    static func resolve(_ pointer: String, in document: CELValue) -> CELValue? {
        var value = document
        for token in tokens(pointer) {
            switch value {
            case .map(let object):
                guard let next = object[string: token] else { return nil }
                value = next
            case .list(let items):
                guard token.allSatisfy({ $0.isASCII && $0.isNumber }), let i = Int(token), items.indices.contains(i) else { return nil }
                value = items[i]
            default:
                return nil
            }
        }
        return value
    }
}
