import CairnCore

/// A sensor that could not be read this time, and why (shown in the health state).
public struct SensorFailure: Equatable {
    public let sensor: String
    public let reason: String

    public init(sensor: String, reason: String) {
        self.sensor = sensor
        self.reason = reason
    }
}

/// What one read of one or more inputs produced.
public struct InputResult {
    public var readings: [Reading] = []
    public var failures: [SensorFailure] = []

    public init() {}

    public mutating func fail(_ sensor: String, _ reason: String) {
        failures.append(SensorFailure(sensor: sensor, reason: reason))
    }
}
