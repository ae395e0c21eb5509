import CairnCore
import CairnQueue

/// The payload of one telemetry message: `{"device":…,"readings":[…]}`.
/// Stored fragments are wrapped in their envelope (seq, time) by
/// concatenation, never parsed. Shape documented in docs/protocol.md.
public enum TelemetryBatch {
    public static func encode(device: String, records: [QueuedRecord], backfill: Bool = false) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: 64 + records.count * 110)
        writer.beginObject()
        writer.key("device"); writer.string(device)
        if backfill { writer.key("backfill"); writer.bool(true) }
        writer.key("readings")
        writer.beginArray()
        for record in records { envelope(record, into: &writer) }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }

    /// `{"seq":…,"time":…,<fragment>}`; a record whose clock was never trusted
    /// says so and carries its boot and uptime instead of an implausible time.
    static func envelope(_ record: QueuedRecord, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("seq"); writer.integer(record.sequence)
        if record.trusted || record.time >= ClockTracker.plausibleFloor {
            writer.key("time"); writer.integer(record.time)
        }
        if !record.trusted {
            writer.key("clock"); writer.string("unsynced")
            writer.key("boot"); writer.string(record.bootID)
            writer.key("uptime_ms"); writer.integer(record.monotonic)
        }
        writer.raw(record.fragment)
        writer.endObject()
    }
}
