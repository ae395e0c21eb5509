import CairnCore

/// A threshold alarm: raised when a sensor's value stays beyond `threshold`
/// for at least `minimumDuration` ms, cleared when it comes back past `clear`.
/// The gap between the two levels (hysteresis) keeps a value hovering at the
/// threshold from raising and clearing the alarm on every reading.
public struct AlarmRule: Equatable {
    public enum Direction: Equatable {
        /// Raised while value > threshold; cleared when value < clear (clear ≤ threshold).
        case above
        /// Raised while value < threshold; cleared when value > clear (clear ≥ threshold).
        case below
    }

    public let name: String
    public let pattern: SensorPattern
    public let direction: Direction
    public let threshold: Double
    public let clear: Double
    public let minimumDuration: Int64
    public let severity: AlarmSeverity

    /// Without `clear`, the alarm clears as soon as the value is back on the
    /// right side of the threshold (no hysteresis).
    public init(name: String, pattern: SensorPattern, direction: Direction, threshold: Double,
                clear: Double? = nil, minimumDuration: Int64 = 0, severity: AlarmSeverity = .warning) {
        self.name = name
        self.pattern = pattern
        self.direction = direction
        self.threshold = threshold
        self.clear = clear ?? threshold
        self.minimumDuration = max(0, minimumDuration)
        self.severity = severity
    }

    public func breaches(_ value: Double) -> Bool {
        direction == .above ? value > threshold : value < threshold
    }

    public func clears(_ value: Double) -> Bool {
        direction == .above ? value < clear : value > clear
    }
}

/// How much an alarm matters, as the cloud and local actions see it.
public enum AlarmSeverity: String, Equatable {
    case info, warning, critical
}
