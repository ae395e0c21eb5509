import CairnCore
import CairnQueue

/// The payload of one telemetry message: `{"device":…,"readings":[…]}`.
/// Record bodies are stored as finished JSON objects, so a batch is assembled
/// by concatenation, never by parsing. Shape documented in docs/protocol.md.
public enum TelemetryBatch {
    public static func encode(device: String, records: [QueuedRecord]) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: 64 + records.count * 110)
        writer.beginObject()
        writer.key("device"); writer.string(device)
        writer.key("readings")
        writer.beginArray()
        for record in records { writer.raw(record.body) }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }
}
