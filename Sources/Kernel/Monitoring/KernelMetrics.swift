import CoreMetrics
import Foundation
import Metrics
import Prometheus

/// The process's metrics registry: swift-metrics is bootstrapped once, onto swift-prometheus, and
/// `/api/v1/monitoring/metrics` renders this registry in the Prometheus text format.
public enum KernelMetrics {
    public static let registry = PrometheusCollectorRegistry()

    private static let bootstrapped: Bool = {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
        return true
    }()

    /// Routes swift-metrics into the registry (once per process; later calls do nothing).
    public static func bootstrap() { _ = bootstrapped }

    /// When this process started, for uptime.
    public static let startedAt = Date()

    /// The registry as Prometheus text exposition.
    public static func prometheusText() -> String { registry.emitToString() }

    /// The same samples as JSON: `{name: {"type": …, "samples": [{"labels": {…}, "value": …}]}}`.
    public static func json(fromPrometheusText text: String) -> JSONValue {
        var families: [String: [String: JSONValue]] = [:]
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ")
                if parts.count == 2 { types[String(parts[0])] = String(parts[1]) }
                continue
            }
            if line.hasPrefix("#") || line.isEmpty { continue }
            guard let (name, labels, value) = parseSample(line) else { continue }
            let family = types[name] != nil ? name : familyName(of: name, types: types)
            var entry = families[family] ?? ["type": .string(types[family] ?? "untyped"), "samples": []]
            var sample: [String: JSONValue] = ["value": value.isFinite ? .double(value) : .string(String(value))]
            if name != family { sample["name"] = .string(name) }
            if !labels.isEmpty { sample["labels"] = .object(labels.mapValues { .string($0) }) }
            entry["samples"] = .array((entry["samples"]?.arrayValue ?? []) + [.object(sample)])
            families[family] = entry
        }
        return .object(families.mapValues { .object($0) })
    }

    private static func familyName(of sample: String, types: [String: String]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where sample.hasSuffix(suffix) {
            let base = String(sample.dropLast(suffix.count))
            if types[base] != nil { return base }
        }
        return sample
    }

    /// `name{a="x",b="y"} 1.5` → parts.
    static func parseSample(_ line: Substring) -> (String, [String: String], Double)? {
        var labels: [String: String] = [:]
        let name: String
        var rest: Substring
        if let brace = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") {
            name = String(line[..<brace])
            var inner = line[line.index(after: brace)..<close]
            while let equals = inner.firstIndex(of: "=") {
                let key = inner[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: " ,"))
                var cursor = inner.index(after: equals)
                guard cursor < inner.endIndex, inner[cursor] == "\"" else { break }
                cursor = inner.index(after: cursor)
                var value = ""
                while cursor < inner.endIndex, inner[cursor] != "\"" {
                    if inner[cursor] == "\\", inner.index(after: cursor) < inner.endIndex {
                        cursor = inner.index(after: cursor)
                        value.append(inner[cursor] == "n" ? "\n" : inner[cursor])
                    } else {
                        value.append(inner[cursor])
                    }
                    cursor = inner.index(after: cursor)
                }
                labels[key] = value
                inner = cursor < inner.endIndex ? inner[inner.index(after: cursor)...] : ""
            }
            rest = line[line.index(after: close)...]
        } else {
            guard let space = line.firstIndex(of: " ") else { return nil }
            name = String(line[..<space])
            rest = line[space...]
        }
        guard let valueText = rest.split(separator: " ").first else { return nil }
        let value: Double
        switch valueText {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let parsed = Double(valueText) else { return nil }
            value = parsed
        }
        return (name, labels, value)
    }
}
