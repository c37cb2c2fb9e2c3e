import Foundation
import Logging
import Synchronization

/// Writes one log record per line to standard error: a JSON object (`time`, `level`, `message`,
/// `request_id`, `plugin`, `fields`) or, in `text` format, a line for a terminal.
public struct StructuredLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public let label: String
    let format: LoggingSettings.Format
    let sink: LogSink

    public init(label: String, level: Logger.Level, format: LoggingSettings.Format, sink: LogSink = .standardError) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level, message = event.message
        var fields = self.metadata
        if let explicit = event.metadata { fields.merge(explicit) { $1 } }
        if let error = event.error { fields["error"] = .string(String(describing: error)) }
        let requestID = fields.removeValue(forKey: "request_id")
        let plugin = fields.removeValue(forKey: "plugin")
        for key in fields.keys where key.hasPrefix("hb.") { fields[key] = nil }
        let time = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        switch format {
        case .json:
            var object: [String: JSONValue] = ["time": .string(time), "level": .string(level.rawValue), "message": .string(message.description)]
            if let requestID { object["request_id"] = .string(requestID.description) }
            if let plugin { object["plugin"] = .string(plugin.description) }
            if !fields.isEmpty { object["fields"] = .object(fields.mapValues(Self.json)) }
            if label != "lintel" { object["logger"] = .string(label) }
            sink.write(JSONValue.object(object).jsonString())
        case .text:
            var text = "\(time) \(level.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0))"
            if let plugin { text += "[\(plugin)] " }
            text += message.description
            if let requestID { text += " request_id=\(requestID)" }
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) { text += " \(key)=\(value)" }
            sink.write(text)
        }
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c):
            if let i = c as? Int { return .int(i) }
            if let d = c as? Double { return .double(d) }
            if let b = c as? Bool { return .bool(b) }
            return .string(c.description)
        case .array(let a): return .array(a.map(json))
        case .dictionary(let d): return .object(d.mapValues(json))
        }
    }
}

/// Where log lines go: standard error by default, or a buffer tests can read.
public final class LogSink: Sendable {
    private let capturing: Bool
    private let lines = Mutex<[String]>([])

    private init(capturing: Bool) { self.capturing = capturing }

    public static let standardError = LogSink(capturing: false)
    /// A sink that keeps lines in memory.
    public static func capture() -> LogSink { LogSink(capturing: true) }

    func write(_ line: String) {
        if capturing {
            lines.withLock { $0.append(line) }
        } else {
            // The lock keeps lines from interleaving when several threads log at once.
            lines.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
    }

    /// Lines written so far (capturing sinks only).
    public var captured: [String] { lines.withLock { $0 } }
}
