import CairnCore

/// The status page served on the LAN: one self-contained HTML document (inline
/// style and SVG, no scripts, fonts or images) that reads on a phone and a laptop.
///
/// Built from the status document (`StatusReport.json()` plus what the runtime adds:
/// `health`, `sensors`, `queue_oldest_unsent_seconds`, …) and the charts' history.
/// Every key may be absent ("-" then), and every value is escaped: sensor names come
/// from devices on the LAN. Stable hooks: `id="health"`, `id="queue"`, `id="agent"`,
/// and per sensor `<section class="sensor" data-sensor="ID">` with `<span class="value">`.
public enum StatusPage {
    public static func html(document: JSONValue, history: SensorHistory, queueSeries: String = "queue", refreshSeconds: Int = 10) -> String {
        let device = text(document["device"])
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<meta http-equiv=\"refresh\" content=\"\(max(1, refreshSeconds))\">"
        out += "<title>cairn \(device)</title><style>\(style)</style></head><body>\n"

        let connection = document["connection"]?.string
        out += "<header><h1>\(device)</h1><p>cairn \(text(document["version"])) · "
        let state = connection == nil ? "unknown" : connection == "online" ? "online" : "offline"
        out += "<span class=\"\(state)\">\(text(document["connection"]))</span>"
        out += " since \(text(document["connection_since"])) · updated \(text(document["updated_at"]))</p></header>\n"
        if let error = document["last_error"]?.string, !error.isEmpty {
            out += "<p id=\"last-error\" class=\"error\">\(HTML.escape(error))</p>\n"
        }
        out += health(document["health"])

        out += "<section id=\"queue\" class=\"card\"><h2>Queue</h2><dl>"
        out += row("records", text(document["queue_depth"]))
        out += row("used", "\(bytes(document["queue_used_bytes"])) of \(bytes(document["queue_budget_bytes"]))")
        out += row("oldest unsent", list(document["queue_oldest_unsent_seconds"]) { HTML.duration(seconds: $0) })
        out += row("lost", list(document["queue_losses"]) { Numbers.format($0) })
        out += "</dl>" + SVGChart.render(id: queueSeries, points: history.points(queueSeries), unit: "records") + "</section>\n"

        out += "<section id=\"agent\" class=\"card\"><h2>Agent</h2><dl>"
        out += row("clock", text(document["clock"]))
        out += row("active alarms", text(document["active_alarms"]))
        out += row("failing sensors", text(document["failing_sensors"]))
        out += row("configuration", text(document["config_version"]))
        out += row("pushed version", text(document["config_pushed_version"]))
        out += row("push report", text(document["config_push_report"]))
        if let provisioning = document["provisioning"] { out += row("provisioning", HTML.escape(StatusReport.provisioningText(provisioning))) }
        out += row("disk free", bytes(document["disk_free_bytes"]))
        out += row("TLS certificate expires", text(document["tls_certificate_expires"]))
        out += "</dl></section>\n"

        out += "<h2>Sensors</h2><div class=\"grid\">\n"
        for sensor in document["sensors"]?.array ?? [] {
            out += card(sensor, history: history)
        }
        return out + "</div></body></html>\n"
    }

    private static let style = """
        body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;padding:8px;max-width:1100px;color:#222;background:#f5f5f3}\
        h1{font-size:1.3em;margin:0}h2{font-size:1.1em;margin:12px 0 6px}h3{font-size:1em;margin:0}\
        h1,h3,dd{overflow-wrap:anywhere}header p{margin:2px 0;color:#555}\
        .card,.sensor{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px;margin:8px 0}\
        #health,.error{padding:8px 12px;border-radius:6px;font-weight:600}#health ul{margin:4px 0 0;font-weight:400}\
        .ok{background:#e3f4e6;color:#145c24}.bad,.error{background:#fde8e6;color:#9b1c12}.unknown{background:#eee}\
        .online{color:#145c24}.offline{color:#9b1c12}\
        dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 6px}dt{color:#666}dd{margin:0}\
        .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(300px,100%),1fr));gap:8px}.grid .sensor{margin:0}\
        .value{font-size:1.4em;font-weight:600}.label{margin:0;color:#666}.badge{background:#9b1c12;color:#fff;border-radius:4px;padding:0 6px}\
        .sensor.failing{border-color:#9b1c12}svg.chart{width:100%;max-width:560px;height:auto;display:block;color:#1a5fb4}
        """

    /// The green or red banner; grey when the document says nothing about health.
    private static func health(_ health: JSONValue?) -> String {
        guard let healthy = health?["healthy"]?.bool else {
            return "<section id=\"health\" class=\"unknown\">health -</section>\n"
        }
        var out = "<section id=\"health\" class=\"\(healthy ? "ok" : "bad")\">\(healthy ? "healthy" : "not healthy")"
        let reasons = health?["reasons"]?.array?.compactMap { $0.string } ?? []
        if !reasons.isEmpty {
            out += "<ul>"
            for reason in reasons { out += "<li>\(HTML.escape(reason))</li>" }
            out += "</ul>"
        }
        return out + "</section>\n"
    }

    /// One sensor: name, its hardware label, last value and unit, a badge when failing, and its chart.
    /// An entry without an id names nothing to show and is skipped.
    private static func card(_ sensor: JSONValue, history: SensorHistory) -> String {
        guard let id = sensor["id"]?.string else { return "" }
        let name = HTML.escape(id), unit = sensor["unit"]?.string ?? ""
        let failing = sensor["failing"]?.bool ?? false
        var out = "<section class=\"sensor\(failing ? " failing" : "")\" data-sensor=\"\(name)\"><h3>\(name)</h3>"
        if let label = sensor["label"]?.string, !label.isEmpty { out += "<p class=\"label\">\(HTML.escape(label))</p>" }
        out += "<p>"
        // Bytes in binary units ("77.6 GiB"); other values rounded, with their unit beside.
        if unit == "B", let value = sensor["value"]?.number {
            out += "<span class=\"value\">\(HTML.quantity(value, unit: unit))</span>"
        } else {
            out += "<span class=\"value\">\(sensor["value"]?.number.map(HTML.number) ?? "-")</span> \(HTML.escape(unit))"
        }
        if failing { out += " <span class=\"badge\">failing</span>" }
        return out + "</p>" + SVGChart.render(id: id, points: history.points(id), unit: unit) + "</section>\n"
    }

    private static func row(_ label: String, _ value: String) -> String {
        "<dt>\(label)</dt><dd>\(value)</dd>"
    }

    /// A value as escaped text: strings as they are, numbers rounded, lists joined
    /// ("none" when empty); "-" when absent, empty or of another kind.
    private static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let s)?: return s.isEmpty ? "-" : HTML.escape(s)
        case .number(let n)?: return HTML.number(n)
        case .bool(let b)?: return b ? "yes" : "no"
        case .array(let items)?:
            return items.isEmpty ? "none" : items.map { HTML.escape($0.string ?? JSONWriter.encode($0)) }.joined(separator: ", ")
        default: return "-"
        }
    }

    /// A byte count in binary units; "-" unless a whole number.
    private static func bytes(_ value: JSONValue?) -> String {
        value?.integer.map(Numbers.bytes) ?? "-"
    }

    /// An object of numbers as "key value, …" ("none" when empty, "-" when absent).
    private static func list(_ value: JSONValue?, _ show: (Double) -> String) -> String {
        guard let members = value?.members else { return "-" }
        guard !members.isEmpty else { return "none" }
        return members.map { "\(HTML.escape($0.key)) \($0.value.number.map(show) ?? "-")" }.joined(separator: ", ")
    }
}
