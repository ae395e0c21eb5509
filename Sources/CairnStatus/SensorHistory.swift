/// One value of a series at a wall time (milliseconds since the epoch).
public struct HistoryPoint: Equatable {
    public var time: Int64
    public var value: Double

    public init(time: Int64, value: Double) {
        self.time = time
        self.value = value
    }

    /// The points of a run as one: their mean value at the time of the last,
    /// so a merged point never claims to be newer than what it stands for.
    static func mean(of run: ArraySlice<HistoryPoint>) -> HistoryPoint {
        HistoryPoint(time: run[run.endIndex - 1].time, value: Series.mean(run.lazy.map { $0.value }))
    }
}

/// Recent values per series for the status page's charts, in bounded memory.
///
/// Each series keeps at most `pointsPerSensor` points. When a series is full, its
/// older half is merged pairwise (mean value, time of the later point): the newest
/// points stay exact at the read interval while the older ones grow coarser and
/// reach further back. A merged point weighs as much as an exact one when merged
/// again, so old values are an approximation by design. Any name is a series:
/// the queue depth is recorded here too.
public final class SensorHistory {
    public let pointsPerSensor: Int
    public let maxSensors: Int
    /// Readings not recorded because they began a new series when `maxSensors` were kept
    /// (counted per reading: remembering the refused names would itself be unbounded).
    public private(set) var sensorsRefused: Int = 0
    private var series: [String: [HistoryPoint]] = [:]

    /// `pointsPerSensor` is at least 4, so a full series always has pairs to merge.
    public init(pointsPerSensor: Int = 120, maxSensors: Int = 256) {
        self.pointsPerSensor = Self.ringSize(pointsPerSensor)
        self.maxSensors = max(0, maxSensors)
    }

    /// The most memory the points can take (16 B each); names and array headers come on top.
    public static func capBytes(pointsPerSensor: Int, maxSensors: Int) -> Int {
        ringSize(pointsPerSensor) * max(0, maxSensors) * MemoryLayout<HistoryPoint>.stride
    }

    /// Appends a value; non-finite values are ignored.
    public func record(sensor: String, time: Int64, value: Double) {
        guard value.isFinite else { return }
        if series[sensor] == nil {
            guard series.count < maxSensors else {
                sensorsRefused += 1
                return
            }
            var ring: [HistoryPoint] = []
            ring.reserveCapacity(pointsPerSensor)
            series[sensor] = ring
        }
        Self.append(HistoryPoint(time: time, value: value), to: &series[sensor, default: []], capacity: pointsPerSensor)
    }

    /// The points of a series, oldest first (in the order recorded); none for an unknown name.
    public func points(_ sensor: String) -> [HistoryPoint] {
        series[sensor] ?? []
    }

    /// The names of the series kept, sorted.
    public var sensors: [String] {
        series.keys.sorted()
    }

    public func forget(sensor: String) {
        series.removeValue(forKey: sensor)
    }

    /// Drops every series whose name is not in `kept` (sensors gone after a reload).
    public func forgetAll(except kept: Set<String>) {
        for name in series.keys.filter({ !kept.contains($0) }) {
            series.removeValue(forKey: name)
        }
    }

    private static func ringSize(_ requested: Int) -> Int {
        max(4, requested)
    }

    /// Appends in place; a full ring first merges its older half (an even count) into half as many points.
    private static func append(_ point: HistoryPoint, to ring: inout [HistoryPoint], capacity: Int) {
        if ring.count >= capacity {
            let older = ring.count / 2 / 2 * 2
            for pair in 0..<(older / 2) {
                ring[pair] = HistoryPoint.mean(of: ring[(2 * pair)..<(2 * pair + 2)])
            }
            ring.removeSubrange((older / 2)..<older)
        }
        ring.append(point)
    }
}
