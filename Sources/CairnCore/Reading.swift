/// One measurement as it leaves an input: which sensor, what value, in what
/// unit, and when (wall clock, milliseconds since the Unix epoch).
public struct Reading: Equatable {
    /// Stable id, e.g. "hwmon/coretemp/temp1" or "health/load1".
    public var sensor: String
    /// Human label from the hardware ("Core 0"), when it has one.
    public var label: String?
    public var value: Double
    public var unit: String
    public var time: Int64
    /// Why the value is suspect, when a stage flagged it instead of dropping it.
    public var quality: Quality = .good
    /// The time came with the reading from the device's own clock (HTTP ingest's
    /// `"time"`), not from the agent's: a correction of the agent's clock leaves it alone.
    public var deviceClock = false

    public enum Quality: String, Equatable {
        case good
        /// Outside the range a `range` stage declared (action "flag").
        case outOfRange = "out_of_range"
    }

    public init(sensor: String, label: String? = nil, value: Double, unit: String, time: Int64) {
        self.sensor = sensor
        self.label = label
        self.value = value
        self.unit = unit
        self.time = time
    }

    /// The record body stored in the queue: the members of the reading's JSON
    /// object without `seq` and `time`, which the uplink adds when it sends
    /// (the time may still be corrected while the record waits).
    public var fragment: String {
        var writer = JSONWriter(reservingCapacity: 96)
        writer.beginObject()
        writer.key("sensor"); writer.string(sensor)
        if let label { writer.key("label"); writer.string(label) }
        writer.key("value"); writer.number(value)
        writer.key("unit"); writer.string(unit)
        // Only suspect readings carry a quality; good ones stay as small as before.
        if quality != .good { writer.key("quality"); writer.string(quality.rawValue) }
        writer.endObject()
        return String(decoding: writer.bytes.dropFirst().dropLast(), as: UTF8.self)
    }
}
