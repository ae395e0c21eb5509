import CairnCore

/// Notices sensors that stop arriving. A polled sensor that vanishes fails its
/// read; a LAN device that stops publishing (or posting) is only silent, so
/// each sensor seen from such an input fails once per `limit` of silence until
/// it is heard from again. That drives the same health state, status and
/// sensor.failed / sensor.recovered events as a failed read.
struct SilenceWatch {
    /// Milliseconds of silence that count as a failure; 0 turns the watch off.
    let limit: Int64
    /// Sensor → monotonic ms when it was last heard from, or last reported silent.
    private var marks: [String: Int64] = [:]

    init(limit: Int64) {
        self.limit = limit
    }

    mutating func heard(_ sensor: String, nowMonotonic: Int64) {
        guard limit > 0 else { return }
        marks[sensor] = nowMonotonic
    }

    /// Adds a failure for each sensor silent for `limit` since it was last heard of or reported.
    mutating func check(nowMonotonic: Int64, into result: inout InputResult) {
        guard limit > 0 else { return }
        for (sensor, mark) in marks where nowMonotonic - mark >= limit {
            result.fail(sensor, "nothing received for \(Numbers.format(Double(limit) / 1000)) s")
            marks[sensor] = nowMonotonic
        }
    }

    /// When the next check can find something.
    var nextDeadline: Int64 {
        guard limit > 0, let oldest = marks.values.min() else { return Int64.max }
        return oldest + limit
    }
}
