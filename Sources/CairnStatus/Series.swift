/// How the chart and the sparkline thin and scale a series.
enum Series {
    /// `count` items cut into at most `limit` consecutive runs of nearly equal length,
    /// oldest first; one run per item when they fit.
    static func buckets(count: Int, limit: Int) -> [Range<Int>] {
        let runs = min(count, max(1, limit))
        var out: [Range<Int>] = []
        out.reserveCapacity(runs)
        for run in 0..<runs {
            out.append((run * count / runs)..<((run + 1) * count / runs))
        }
        return out
    }

    /// The mean, summed in shares so the extremes of Double never overflow; 0 for none.
    static func mean<Values: Collection>(_ values: Values) -> Double where Values.Element == Double {
        let share = 1 / Double(max(1, values.count))
        var mean = 0.0
        for value in values { mean += value * share }
        return mean
    }

    /// Where `value` sits between `low` and `high`, from 0 to 1; nil when the range is flat.
    /// Works on halves, so the extremes of Double never overflow to infinity.
    static func fraction(_ value: Double, low: Double, high: Double) -> Double? {
        let range = high / 2 - low / 2
        guard range > 0 else { return nil }
        return min(1, max(0, (value / 2 - low / 2) / range))
    }
}
