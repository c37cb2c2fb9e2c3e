import Foundation

/// Reads a policy directory the way Cerbos's disk store does, and compiles it.
///
/// Skipped: hidden files and folders, `testdata/` folders, test suites (`*_test.yaml|yml|json`), files
/// that are not `.yaml`, `.yml` or `.json`. The top-level `_schemas/` folder holds JSON schemas. A file may
/// hold several YAML documents (`---`), each a policy.
public enum PolicyLoader {
    /// A policy source: a path relative to the directory (used in problems and keys) and its text.
    public struct Source: Sendable {
        public var path: String
        public var text: String
        public init(path: String, text: String) {
            self.path = path
            self.text = text
        }
    }

    /// Loads and compiles every policy under `directory`; throws every problem found.
    public static func load(directory: String) throws(PolicyLoadError) -> PolicySet {
        let (sources, schemas, problems) = read(directory: directory)
        return try compile(sources, schemas: schemas, problems: problems)
    }

    /// Compiles policies given as text (tests, archives).
    public static func compile(_ sources: [Source], schemas: [String: String] = [:]) throws(PolicyLoadError) -> PolicySet {
        try compile(sources, schemas: schemas, problems: [])
    }

    static func compile(_ sources: [Source], schemas: [String: String], problems: [PolicyProblem]) throws(PolicyLoadError) -> PolicySet {
        var problems = problems
        var documents: [PolicyDocument] = []
        var disabled: [String] = []
        for source in sources {
            let reader = DocumentReader(file: source.path)
            let nodes: [DocumentNode]
            do {
                nodes = try DocumentNode.documents(source.text)
            } catch {
                problems.append(PolicyProblem(.parse, file: source.path, at: SourcePosition(line: error.line, column: error.column, path: "$"), error.message))
                continue
            }
            for node in nodes {
                guard let document = PolicyParser(reader: reader).parse(node) else { continue }
                if document.disabled { disabled.append(document.key) } else { documents.append(document) }
            }
            problems += reader.problems
        }
        let compiler = PolicyCompiler(documents: documents, schemas: schemas)
        let set = compiler.compile(disabledKeys: disabled)
        problems += compiler.problems
        guard problems.isEmpty else { throw PolicyLoadError(problems) }
        return set
    }

    /// The policy files and schemas under `directory`, with problems for what cannot be read.
    static func read(directory: String) -> (sources: [Source], schemas: [String: String], problems: [PolicyProblem]) {
        var sources: [Source] = []
        var schemas: [String: String] = [:]
        var problems: [PolicyProblem] = []
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return ([], [:], [PolicyProblem(.parse, file: directory, at: .unknown, "policy directory does not exist or is not a directory")])
        }
        for relative in walk(root, relative: "") {
            let components = relative.split(separator: "/").map(String.init)
            if components.first == "_schemas" {
                if relative.lowercased().hasSuffix(".json") {
                    schemas[components.dropFirst().joined(separator: "/")] = try? String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
                }
                continue
            }
            if components.dropLast().contains("_schemas") {
                problems.append(PolicyProblem(.parse, file: relative, at: .unknown, "_schemas directory must be under the root of the policy directory"))
                continue
            }
            guard isPolicyFile(relative) else { continue }
            do {
                let text = try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
                sources.append(Source(path: relative, text: text))
            } catch {
                problems.append(PolicyProblem(.parse, file: relative, at: .unknown, "cannot read file: \(error.localizedDescription)"))
            }
        }
        return (sources, schemas, problems)
    }

    /// Files under `url`, relative, sorted; hidden entries and `testdata` folders skipped.
    static func walk(_ url: URL, relative: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return [] }
        var result: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let child = url.appendingPathComponent(name)
            let path = relative.isEmpty ? name : "\(relative)/\(name)"
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: child.path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                if name == "testdata" { continue }
                result += walk(child, relative: path)
            } else {
                result.append(path)
            }
        }
        return result
    }

    static func isPolicyFile(_ path: String) -> Bool {
        guard let name = documentFileName(path), !name.hasPrefix(".") else { return false }
        return !isTestFile(path)
    }

    static func isTestFile(_ path: String) -> Bool {
        guard let name = documentFileName(path) else { return false }
        return (name as NSString).deletingPathExtension.lowercased().hasSuffix("_test")
    }

    /// The file name of a `.yaml`, `.yml` or `.json` path; nil for any other file.
    private static func documentFileName(_ path: String) -> String? {
        let name = (path as NSString).lastPathComponent
        return ["yaml", "yml", "json"].contains((name as NSString).pathExtension.lowercased()) ? name : nil
    }
}
