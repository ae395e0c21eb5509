/// A series as one line of block glyphs, for terminals and compact views.
public enum Sparkline {
    static let glyphs = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// At most `width` glyphs, lowest value `▁`, highest `█`; more values than that are
    /// averaged in buckets, so the whole series shows. Non-finite values are skipped;
    /// none left gives "", a flat series all `▄`.
    public static func text(_ values: [Double], width: Int = 24) -> String {
        let finite = values.filter { $0.isFinite }
        guard !finite.isEmpty else { return "" }
        let shown = Series.buckets(count: finite.count, limit: width).map { Series.mean(finite[$0]) }
        let low = shown.min() ?? 0, high = shown.max() ?? 0
        var out = ""
        for value in shown {
            let level = Series.fraction(value, low: low, high: high).map { Int(($0 * 7).rounded()) } ?? 3
            out += glyphs[level]
        }
        return out
    }
}
