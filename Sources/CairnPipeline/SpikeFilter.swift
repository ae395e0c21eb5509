import CairnCore

/// Drops readings that jump from the last accepted one faster than a physical
/// quantity can change (`maxRate` units per second): an electrical glitch,
/// not a measurement. A real step change is accepted once it persists: after
/// `confirmations` readings in a row were dropped, the next one is accepted
/// as the new reference, so the filter can never lock a sensor out.
public struct SpikeFilter: Stage {
    public let maxRate: Double
    public let confirmations: Int
    private var reference: Reading?
    private var rejectedInARow = 0
    /// Readings dropped as spikes so far.
    public private(set) var dropped: Int64 = 0

    public init(maxRate: Double, confirmations: Int = 3) {
        self.maxRate = maxRate
        self.confirmations = max(1, confirmations)
    }

    public mutating func process(_ reading: Reading, emit: (Reading) -> Void) {
        if let reference, rejectedInARow < confirmations, isSpike(reading, after: reference) {
            rejectedInARow += 1
            dropped += 1
            return
        }
        reference = reading
        rejectedInARow = 0
        emit(reading)
    }

    func isSpike(_ reading: Reading, after reference: Reading) -> Bool {
        if reading.value.isNaN { return true }
        // The allowance grows with the time since the reference (also across
        // dropped readings); a reading stamped earlier than it allows no change.
        let seconds = Double(max(0, reading.time - reference.time)) / 1000
        return (reading.value - reference.value).magnitude > maxRate * seconds
    }
}
