import CairnCore

/// How one sensor is doing: what `cairn status` shows a technician when a
/// value stops arriving. Wall times in ms; 0 means never.
public struct SensorHealth: Equatable {
    public let sensor: String
    public var lastGood: Int64 = 0
    public var lastError: String = ""
    public var lastErrorAt: Int64 = 0
    public var consecutiveFailures: Int = 0
    public var totalFailures: Int64 = 0

    public init(sensor: String) {
        self.sensor = sensor
    }

    public var isFailing: Bool { consecutiveFailures > 0 }
}

/// Health of every sensor seen, updated after each read. A sensor recovers by
/// itself: its next good read resets its consecutive failures.
public struct SensorHealthTable {
    private var index: [String: Int] = [:]
    public private(set) var sensors: [SensorHealth] = []

    public init() {}

    public mutating func record(_ result: InputResult, now: Int64) {
        for reading in result.readings {
            update(reading.sensor) {
                $0.lastGood = now
                $0.consecutiveFailures = 0
            }
        }
        for failure in result.failures {
            update(failure.sensor) {
                $0.lastError = failure.reason
                $0.lastErrorAt = now
                $0.consecutiveFailures += 1
                $0.totalFailures += 1
            }
        }
    }

    /// Adds another table's sensors (an entry for a sensor already here replaces it).
    public mutating func merge(_ other: SensorHealthTable) {
        for health in other.sensors { update(health.sensor) { $0 = health } }
    }

    public subscript(sensor: String) -> SensorHealth? {
        index[sensor].map { sensors[$0] }
    }

    public var failing: [SensorHealth] { sensors.filter { $0.isFailing } }

    /// `[{"sensor": …, "last_good": "…", "consecutive_failures": n, "last_error": "…"}]`
    /// for the status document; healthy sensors are listed too, compactly.
    public func json() -> String {
        var w = JSONWriter(reservingCapacity: 64 * sensors.count + 2)
        w.beginArray()
        for health in sensors {
            w.beginObject()
            w.key("sensor"); w.string(health.sensor)
            w.key("last_good"); health.lastGood > 0 ? w.string(Clock.rfc3339(health.lastGood)) : w.null()
            w.key("consecutive_failures"); w.integer(Int64(health.consecutiveFailures))
            if health.totalFailures > 0 {
                w.key("failures"); w.integer(health.totalFailures)
                w.key("last_error"); w.string(health.lastError)
                w.key("last_error_at"); w.string(Clock.rfc3339(health.lastErrorAt))
            }
            w.endObject()
        }
        w.endArray()
        return w.text
    }

    private mutating func update(_ sensor: String, _ change: (inout SensorHealth) -> Void) {
        let slot: Int
        if let known = index[sensor] {
            slot = known
        } else {
            slot = sensors.count
            index[sensor] = slot
            sensors.append(SensorHealth(sensor: sensor))
        }
        change(&sensors[slot])
    }
}
