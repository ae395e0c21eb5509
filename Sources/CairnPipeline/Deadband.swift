import CairnCore

/// Report-by-exception: a reading passes only when it differs from the last
/// one passed by at least the band, or when nothing has passed for
/// `heartbeat` ms, so the cloud can tell "steady" from "gone".
/// The band is absolute (in the reading's unit) or a percentage of the last
/// value passed; with both, the larger wins.
public struct Deadband: Stage {
    public let absolute: Double
    public let percent: Double
    /// Maximum silence in ms; 0 means no heartbeat.
    public let heartbeat: Int64
    private var last: Reading?

    public init(absolute: Double = 0, percent: Double = 0, heartbeat: Int64 = 0) {
        self.absolute = absolute
        self.percent = percent
        self.heartbeat = heartbeat
    }

    /// The band around a reference value.
    public func band(around value: Double) -> Double {
        max(absolute, value.magnitude * percent / 100)
    }

    public mutating func process(_ reading: Reading, emit: (Reading) -> Void) {
        if let last, !shouldPass(reading, after: last) { return }
        last = reading
        emit(reading)
    }

    func shouldPass(_ reading: Reading, after last: Reading) -> Bool {
        // A wall clock stepped backwards (NTP fixing a stale boot time) would
        // otherwise silence the heartbeat until it caught up again.
        if reading.time < last.time { return true }
        if heartbeat > 0 && reading.time - last.time >= heartbeat { return true }
        // A NaN never equals anything: pass a change to or from NaN once, not forever.
        if reading.value.isNaN || last.value.isNaN { return reading.value.isNaN != last.value.isNaN }
        return (reading.value - last.value).magnitude >= band(around: last.value)
    }
}
