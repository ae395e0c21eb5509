/// A small inline SVG line chart of one series, for the status page.
///
/// Integer coordinates, at most `maxPoints` points (more are averaged in buckets),
/// x by time (so merged older points spread over the span they cover), higher values
/// drawn higher. Labels (of the points given, not the averages drawn): the maximum
/// and the last value on top, the minimum and the time covered below. No styles of
/// its own beyond `currentColor`: the page sets them.
public enum SVGChart {
    public static let maxPoints = 60

    /// `width` and `height` are the viewBox (at least 80 × 40); `id` names the series in
    /// `data-sensor`. Non-finite values are skipped; none left draws "no data".
    public static func render(id: String, points: [HistoryPoint], width: Int = 320, height: Int = 80, unit: String) -> String {
        let width = max(80, width), height = max(40, height)
        let points = points.filter { $0.value.isFinite }
        let open = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(width) \(height)\" font-size=\"10\" data-sensor=\"\(HTML.escape(id))\">"
        guard !points.isEmpty else {
            return open + "<text x=\"\(width / 2)\" y=\"\(height / 2 + 4)\" text-anchor=\"middle\">no data</text></svg>"
        }
        var low = points[0].value, high = points[0].value
        for point in points {
            low = min(low, point.value)
            high = max(high, point.value)
        }
        let shown = Series.buckets(count: points.count, limit: maxPoints).map { HistoryPoint.mean(of: points[$0]) }
        let plot = Plot(left: 2, right: width - 2, top: 14, bottom: height - 14)
        let first = Double(shown[0].time), span = Double(shown[shown.count - 1].time) - first
        var d = ""
        var x = plot.left
        for (index, point) in shown.enumerated() {
            let along = span > 0 ? (Double(point.time) - first) / span
                : (shown.count > 1 ? Double(index) / Double(shown.count - 1) : 0)
            // Times recorded out of order (a clock stepped back) never draw backwards.
            x = max(x, plot.x(along))
            let y = plot.y(Series.fraction(point.value, low: low, high: high))
            d += index == 0 ? "M\(x) \(y)" : "L\(x) \(y)"
        }
        if shown.count == 1 { d += "L\(plot.right) \(plot.y(nil))" }

        let covered = Double(points[points.count - 1].time) - Double(points[0].time)
        var out = open
        out += "<path d=\"\(d)\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\"/>"
        out += label(x: plot.left, y: 10, end: false, "max \(HTML.quantity(high, unit: unit))")
        out += label(x: plot.right, y: 10, end: true, "last \(HTML.quantity(points[points.count - 1].value, unit: unit))")
        out += label(x: plot.left, y: height - 3, end: false, "min \(HTML.quantity(low, unit: unit))")
        out += label(x: plot.right, y: height - 3, end: true, covered > 0 ? HTML.duration(seconds: covered / 1000) : "")
        return out + "</svg>"
    }

    /// `text` is markup already (escaped by the caller).
    private static func label(x: Int, y: Int, end: Bool, _ text: String) -> String {
        guard !text.isEmpty else { return "" }
        return "<text x=\"\(x)\" y=\"\(y)\"\(end ? " text-anchor=\"end\"" : "")>\(text)</text>"
    }

    /// The drawing area inside the label bands.
    private struct Plot {
        let left: Int, right: Int, top: Int, bottom: Int

        func x(_ along: Double) -> Int {
            left + Int((min(1, max(0, along)) * Double(right - left)).rounded())
        }

        /// A flat series (nil) sits in the middle.
        func y(_ fraction: Double?) -> Int {
            guard let fraction else { return (top + bottom) / 2 }
            return bottom - Int((fraction * Double(bottom - top)).rounded())
        }
    }
}
