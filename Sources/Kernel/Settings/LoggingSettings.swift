import Logging

/// The `logging` block.
public struct LoggingSettings: BlockSettings {
    public enum Level: String, ConfigEnum {
        case trace, debug, info, notice, warning, error, critical
        public var loggerLevel: Logger.Level { Logger.Level(rawValue: rawValue) ?? .info }
    }

    public enum Format: String, ConfigEnum {
        /// One JSON object per line.
        case json
        /// Human-readable lines, for a terminal.
        case text
    }

    public var level: Level
    public var format: Format
    public var accessLog: Bool

    public init(from reader: SettingsReader) {
        level = reader.value("level", default: .info, doc: "Lowest level written (LOG_LEVEL).")
        format = reader.value("format", default: .json, doc: "json (one object per line) or text.")
        accessLog = reader.value("access_log", default: true, doc: "Write one line per HTTP request.")
    }
}
