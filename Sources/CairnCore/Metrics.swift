/// Every number the agent counts or measures, in one place. The component that
/// owns a number registers it once (`metrics.counter(...)`) and keeps the handle;
/// everything that shows numbers — the status document, `/metrics`, the status
/// page, the health check — reads this registry. Registering the same name and
/// labels again returns the same series, so a component torn down and rebuilt
/// by a reload goes on counting where it left off (counters never go back).
public final class MetricRegistry {
    public enum Kind: String {
        case counter, gauge, histogram
    }

    /// One metric name: its help, kind, label names and its series (one per label values).
    public final class Family {
        public let name: String
        public let help: String
        public let kind: Kind
        public let labelNames: [String]
        /// Histogram upper bounds, ascending (the `+Inf` bucket is implied).
        public let buckets: [Double]
        public private(set) var series: [Series] = []
        private var index: [String: Int] = [:]

        init(name: String, help: String, kind: Kind, labelNames: [String], buckets: [Double]) {
            self.name = name
            self.help = help
            self.kind = kind
            self.labelNames = labelNames
            self.buckets = buckets
        }

        /// The series for these label values (in `labelNames` order), created at zero the first time.
        public func with(_ values: [String]) -> Series {
            precondition(values.count == labelNames.count, "\(name): \(labelNames.count) label values expected")
            let key = values.joined(separator: "\u{1}")
            if let at = index[key] { return series[at] }
            let created = Series(labels: values, buckets: buckets.count)
            index[key] = series.count
            series.append(created)
            return created
        }

        /// Drops the series for these label values (a sensor that is gone); a later `with` starts it at zero.
        public func remove(_ values: [String]) {
            let key = values.joined(separator: "\u{1}")
            guard let at = index[key] else { return }
            series.remove(at: at)
            index = [:]
            for (position, kept) in series.enumerated() { index[kept.labels.joined(separator: "\u{1}")] = position }
        }
    }

    /// One time series: a counter's or gauge's value, or a histogram's buckets, sum and count.
    public final class Series {
        public let labels: [String]
        public private(set) var value: Double = 0
        /// Histograms: observations per bucket (not cumulative), the last one past every bound.
        public private(set) var bucketCounts: [Int64]
        public private(set) var count: Int64 = 0
        public private(set) var sum: Double = 0

        init(labels: [String], buckets: Int) {
            self.labels = labels
            self.bucketCounts = Array(repeating: 0, count: buckets + 1)
        }

        /// Counters: adds a non-negative amount.
        public func add(_ amount: Double = 1) {
            guard amount > 0 else { return }
            value += amount
        }

        public func add<Count: BinaryInteger>(_ amount: Count) { add(Double(amount)) }

        /// Gauges: the value now.
        public func set(_ new: Double) { value = new }

        public func set<Count: BinaryInteger>(_ new: Count) { value = Double(new) }

        /// Counters whose total is kept elsewhere (the queue file's loss counts): takes
        /// that total, never going back (a counter that fell would read as a reset).
        public func raise<Count: BinaryInteger>(to total: Count) { value = max(value, Double(total)) }

        /// Histograms: one observation, put in the first bucket whose bound holds it.
        func observe(_ observed: Double, bounds: [Double]) {
            var slot = bounds.count
            for (position, bound) in bounds.enumerated() where observed <= bound {
                slot = position
                break
            }
            bucketCounts[slot] += 1
            count += 1
            sum += observed
        }
    }

    /// A histogram family's handle for the unlabelled series.
    public struct Histogram {
        public let family: Family
        let series: Series

        public func observe(_ value: Double) { series.observe(value, bounds: family.buckets) }
    }

    public private(set) var families: [Family] = []
    private var byName: [String: Family] = [:]

    public init() {}

    /// A family, registered the first time its name is seen. A second registration
    /// with another kind or other labels is a programming error.
    public func family(_ name: String, help: String, kind: Kind, labels: [String] = [], buckets: [Double] = []) -> Family {
        if let known = byName[name] {
            precondition(known.kind == kind && known.labelNames == labels, "\(name) registered twice differently")
            return known
        }
        let created = Family(name: name, help: help, kind: kind, labelNames: labels, buckets: buckets)
        byName[name] = created
        families.append(created)
        return created
    }

    /// An unlabelled counter (name ends in `_total`).
    public func counter(_ name: String, help: String) -> Series {
        family(name, help: help, kind: .counter).with([])
    }

    /// An unlabelled gauge.
    public func gauge(_ name: String, help: String) -> Series {
        family(name, help: help, kind: .gauge).with([])
    }

    public func histogram(_ name: String, help: String, buckets: [Double]) -> Histogram {
        let created = family(name, help: help, kind: .histogram, buckets: buckets)
        return Histogram(family: created, series: created.with([]))
    }

    public func named(_ name: String) -> Family? { byName[name] }

    /// The value of one series, if it exists: `value("cairn_queue_lost_records_total", ["telemetry", "evicted"])`.
    public func value(_ name: String, _ labels: [String] = []) -> Double? {
        guard let family = byName[name] else { return nil }
        for series in family.series where series.labels == labels { return family.kind == .histogram ? Double(series.count) : series.value }
        return nil
    }
}
