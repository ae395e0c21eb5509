import CairnCore

/// Downsampling: at most one reading per `period` ms per sensor; the first
/// reading of each period passes, the rest are dropped.
public struct RateLimit: Stage {
    public let period: Int64
    private var lastPassed: Int64?

    public init(period: Int64) {
        self.period = period
    }

    public mutating func process(_ reading: Reading, emit: (Reading) -> Void) {
        if let lastPassed, reading.time >= lastPassed, reading.time - lastPassed < period { return }
        // (A reading older than the last one passed means the wall clock stepped back: restart.)
        lastPassed = reading.time
        emit(reading)
    }
}
