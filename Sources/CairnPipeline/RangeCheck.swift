import CairnCore

/// Keeps readings inside a plausible range: a sensor that reports -127 °C or
/// 4095 counts is broken or disconnected, not cold. Out-of-range readings are
/// dropped (and counted), clamped to the nearest bound, or passed on flagged
/// `quality: out_of_range` so the cloud sees the fault and alarm rules ignore it.
public struct RangeCheck: Stage {
    public enum Action: Equatable {
        case drop
        case clamp
        case flag
    }

    public let minimum: Double
    public let maximum: Double
    public let action: Action
    /// Readings outside the range so far (dropped or clamped).
    public private(set) var outOfRange: Int64 = 0

    /// Either bound may be infinite for a one-sided check.
    public init(minimum: Double = -.infinity, maximum: Double = .infinity, action: Action = .drop) {
        self.minimum = minimum
        self.maximum = maximum
        self.action = action
    }

    public mutating func process(_ reading: Reading, emit: (Reading) -> Void) {
        // NaN compares false with everything: treat it as out of range, never pass it on.
        if reading.value >= minimum && reading.value <= maximum {
            emit(reading)
            return
        }
        outOfRange += 1
        // NaN cannot be written as JSON: it is dropped whatever the action.
        guard !reading.value.isNaN else { return }
        switch action {
        case .drop:
            return
        case .clamp:
            var clamped = reading
            clamped.value = min(max(reading.value, minimum), maximum)
            emit(clamped)
        case .flag:
            var flagged = reading
            flagged.quality = .outOfRange
            emit(flagged)
        }
    }
}
