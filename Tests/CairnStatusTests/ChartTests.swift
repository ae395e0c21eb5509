import Testing
@testable import CairnStatus

/// The (x, y) pairs of the chart's path, from its `d` attribute ("M2 40L6 38…").
func pathCoordinates(_ svg: String) -> [(x: Int, y: Int)] {
    guard let start = svg.firstRange(of: " d=\"") else { return [] }
    let d = svg[start.upperBound...].prefix { $0 != "\"" }
    return d.split(whereSeparator: { $0 == "M" || $0 == "L" }).map { pair in
        let numbers = pair.split(separator: " ").map { Int($0)! }
        return (numbers[0], numbers[1])
    }
}

func series(_ values: [Double]) -> [HistoryPoint] {
    values.enumerated().map { HistoryPoint(time: Int64($0.offset) * 10_000, value: $0.element) }
}

@Suite struct ChartTests {
    @Test func higherValuesAreDrawnHigher() {
        let values: [Double] = [3, 9, -2, 5, 12, 0, 7]
        let path = pathCoordinates(SVGChart.render(id: "t", points: series(values), unit: "°C"))
        #expect(path.count == values.count)
        let highest = values.indices.max { values[$0] < values[$1] }!
        let lowest = values.indices.min { values[$0] < values[$1] }!
        #expect(path[highest].y == path.map(\.y).min())
        #expect(path[lowest].y == path.map(\.y).max())
        #expect(path.map(\.x) == path.map(\.x).sorted())
        for a in values.indices { for b in values.indices where values[a] < values[b] { #expect(path[a].y > path[b].y) } }
    }

    @Test func aMonotoneSeriesKeepsItsOrderWhenDownsampled() {
        let rising = (0..<500).map { Double($0) * 0.5 }
        let svg = SVGChart.render(id: "t", points: series(rising), unit: "")
        let path = pathCoordinates(svg)
        #expect(path.count <= SVGChart.maxPoints)
        #expect(path.count > 40)
        let ys = path.map(\.y)
        #expect(ys == ys.sorted(by: >))
        #expect(ys.first! > ys.last!)
        #expect(path.map(\.x) == path.map(\.x).sorted())
        #expect(svg.contains("viewBox=\"0 0 320 80\""))
        // Labels give the points' extremes and last value, not the bucket means drawn.
        #expect(svg.contains(">max 249.5<"))
        #expect(svg.contains(">last 249.5<"))
        #expect(svg.contains(">min 0<"))
        #expect(svg.contains(">1 h 23 min<"))
    }

    @Test func flatAndEmptySeries() {
        let flat = pathCoordinates(SVGChart.render(id: "t", points: series([4, 4, 4, 4]), height: 80, unit: ""))
        #expect(Set(flat.map(\.y)) == [40])
        let one = pathCoordinates(SVGChart.render(id: "t", points: series([4]), unit: ""))
        #expect(one.count == 2 && one[0].y == one[1].y)
        let empty = SVGChart.render(id: "t", points: [], unit: "")
        #expect(empty.hasPrefix("<svg") && empty.hasSuffix("</svg>"))
        #expect(empty.contains("no data"))
        #expect(!empty.contains("<path"))
        let broken = [HistoryPoint(time: 0, value: .nan), HistoryPoint(time: 1, value: 2), HistoryPoint(time: 2, value: .infinity), HistoryPoint(time: 3, value: 4)]
        #expect(pathCoordinates(SVGChart.render(id: "t", points: broken, unit: "")).map(\.y) == [66, 14])
        #expect(SVGChart.render(id: "t", points: [HistoryPoint(time: 0, value: .nan)], unit: "").contains("no data"))
    }

    @Test func idsAndUnitsAreEscaped() {
        let svg = SVGChart.render(id: "<script>alert(\"x\")</script>&'", points: series([1, 2]), unit: "<b>")
        #expect(svg.contains("data-sensor=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;\""))
        #expect(!svg.contains("<script"))
        #expect(!svg.contains("<b>"))
        #expect(svg.contains("&lt;b&gt;"))
    }

    @Test func sparklineShapes() {
        #expect(Sparkline.text([]) == "")
        #expect(Sparkline.text([.nan]) == "")
        #expect(Sparkline.text([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█")
        #expect(Sparkline.text([8, 1]) == "█▁")
        #expect(Sparkline.text([5, 5, 5]) == "▄▄▄")
        let rising = Sparkline.text((0..<100).map(Double.init), width: 10)
        #expect(rising.count == 10)
        let glyphs = Array(rising).map { Sparkline.glyphs.firstIndex(of: String($0))! }
        #expect(glyphs == glyphs.sorted())
        #expect(glyphs.first == 0 && glyphs.last == 7)
        #expect(Sparkline.text((0..<100).map(Double.init)).count == 24)
    }

    @Test func displayText() {
        #expect(HTML.number(21.333333) == "21.33")
        #expect(HTML.number(-0.001) == "0")
        #expect(HTML.number(1013) == "1013")
        #expect(HTML.duration(seconds: 12.5) == "12.5 s")
        #expect(HTML.duration(seconds: 180) == "3 min")
        #expect(HTML.duration(seconds: 7500) == "2 h 5 min")
        #expect(HTML.duration(seconds: 5 * 86400) == "5 d")
    }
}
