import CairnCore

/// The registry in the two forms it is read in: Prometheus text exposition 0.0.4
/// for `/metrics`, and one flat JSON object for the status document.
public enum MetricsText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `# HELP`, `# TYPE` and one line per series; histograms as cumulative
    /// `_bucket{le=…}` lines with `_sum` and `_count`. Families without series are left out.
    public static func prometheus(_ registry: MetricRegistry) -> String {
        var out = ""
        for family in registry.families where !family.series.isEmpty {
            out += "# HELP \(family.name) \(escape(family.help, quotes: false))\n# TYPE \(family.name) \(family.kind.rawValue)\n"
            for series in family.series {
                let labels = pairs(family.labelNames, series.labels)
                guard family.kind == .histogram else {
                    out += "\(family.name)\(braced(labels)) \(number(series.value))\n"
                    continue
                }
                var cumulative: Int64 = 0
                for (position, bound) in family.buckets.enumerated() {
                    cumulative += series.bucketCounts[position]
                    out += "\(family.name)_bucket\(braced(labels + [Pair(name: "le", value: number(bound))])) \(cumulative)\n"
                }
                out += "\(family.name)_bucket\(braced(labels + [Pair(name: "le", value: "+Inf")])) \(series.count)\n"
                out += "\(family.name)_sum\(braced(labels)) \(number(series.sum))\n"
                out += "\(family.name)_count\(braced(labels)) \(series.count)\n"
            }
        }
        return out
    }

    /// `{"cairn_records_delivered_total": 12, "cairn_queue_lost_records_total{stream=\"telemetry\",reason=\"evicted\"}": 3}`:
    /// each series under its Prometheus name; a histogram as its `_count` and `_sum`.
    public static func document(_ registry: MetricRegistry) -> JSONValue {
        var members: [JSONMember] = []
        for family in registry.families {
            for series in family.series {
                let labels = braced(pairs(family.labelNames, series.labels))
                if family.kind == .histogram {
                    members.append(JSONMember(key: "\(family.name)_count\(labels)", value: .number(Double(series.count))))
                    members.append(JSONMember(key: "\(family.name)_sum\(labels)", value: .number(series.sum)))
                } else {
                    members.append(JSONMember(key: "\(family.name)\(labels)", value: .number(series.value)))
                }
            }
        }
        return .object(members)
    }

    private struct Pair {
        let name: String
        let value: String
    }

    private static func pairs(_ names: [String], _ values: [String]) -> [Pair] {
        var out: [Pair] = []
        for (position, name) in names.enumerated() { out.append(Pair(name: name, value: values[position])) }
        return out
    }

    private static func braced(_ labels: [Pair]) -> String {
        guard !labels.isEmpty else { return "" }
        var out = "{"
        for (position, label) in labels.enumerated() {
            if position > 0 { out += "," }
            out += "\(label.name)=\"\(escape(label.value, quotes: true))\""
        }
        return out + "}"
    }

    /// Go's float text that Prometheus reads: integers plain, others shortest round-trip.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return Numbers.format(value)
    }

    /// Backslash and line feed escaped, and in label values (`quotes`) the double quote too.
    static func escape(_ text: String, quotes: Bool) -> String {
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quotes: out += "\\\""
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
