import CairnCore
import CairnQueue

/// The payload of one telemetry message: `{"device":…,"readings":[…]}`.
/// Stored fragments are wrapped in their envelope (seq, time) by
/// concatenation, never parsed. Shape documented in docs/protocol.md.
public enum TelemetryBatch {
    /// A message written reading by reading, straight from the queue's rows,
    /// holding as many as fit `maxBytes` (the first always goes in).
    public struct Builder {
        public private(set) var bytes: [UInt8]
        public private(set) var sequences: [Int64] = []
        let maxBytes: Int

        /// `buffer`: room to write into, taken (left empty) so that a sender can hand the
        /// same allocation from message to message (`finish` gives it back).
        public init(device: String, backfill: Bool = false, maxBytes: Int = Int.max, buffer: inout [UInt8]) {
            bytes = []
            swap(&bytes, &buffer)
            bytes.removeAll(keepingCapacity: true)
            var head = JSONWriter(reservingCapacity: 64)
            head.beginObject()
            head.key("device"); head.string(device)
            if backfill { head.key("backfill"); head.bool(true) }
            head.key("readings")
            bytes.append(contentsOf: head.bytes)
            bytes.append(UInt8(ascii: "["))
            self.maxBytes = maxBytes
        }

        public init(device: String, backfill: Bool = false, maxBytes: Int = Int.max) {
            var buffer: [UInt8] = []
            self.init(device: device, backfill: backfill, maxBytes: maxBytes, buffer: &buffer)
        }

        /// Adds a reading unless the message would then pass `maxBytes`; returns whether it did.
        public mutating func add(_ row: QueuedRow) -> Bool {
            let mark = bytes.count
            if !sequences.isEmpty { bytes.append(UInt8(ascii: ",")) }
            if row.trusted {
                bytes.append(contentsOf: TelemetryBatch.seqKey)
                JSONWriter.appendDecimal(row.sequence, to: &bytes)
                bytes.append(contentsOf: TelemetryBatch.timeKey)
                JSONWriter.appendDecimal(row.time, to: &bytes)
                bytes.append(UInt8(ascii: ","))
                bytes.append(contentsOf: row.fragment)
                bytes.append(UInt8(ascii: "}"))
            } else {
                var writer = JSONWriter(reservingCapacity: 160 + row.fragment.count)
                envelope(QueuedRecord(sequence: row.sequence, stream: .telemetry, time: row.time, monotonic: row.monotonic,
                                      bootID: row.bootID, trusted: false, fragment: String(decoding: row.fragment, as: UTF8.self)),
                         into: &writer)
                bytes.append(contentsOf: writer.bytes)
            }
            // `]}` still to come.
            if !sequences.isEmpty && bytes.count + 2 > maxBytes {
                bytes.removeLast(bytes.count - mark)
                return false
            }
            sequences.append(row.sequence)
            return true
        }

        public mutating func add(_ record: QueuedRecord) -> Bool {
            var fragment = record.fragment
            return fragment.withUTF8 { bytes in
                add(QueuedRow(sequence: record.sequence, time: record.time, monotonic: record.monotonic,
                              bootID: record.bootID, trusted: record.trusted, fragment: bytes))
            }
        }

        /// The finished payload (the builder is done with it).
        public mutating func finish() -> [UInt8] {
            bytes.append(UInt8(ascii: "]"))
            bytes.append(UInt8(ascii: "}"))
            var payload: [UInt8] = []
            swap(&payload, &bytes)
            return payload
        }
    }

    public static func encode(device: String, records: ArraySlice<QueuedRecord>, backfill: Bool = false) -> [UInt8] {
        var batch = Builder(device: device, backfill: backfill)
        for record in records { _ = batch.add(record) }
        return batch.finish()
    }

    public static func encode(device: String, records: [QueuedRecord], backfill: Bool = false) -> [UInt8] {
        encode(device: device, records: records[...], backfill: backfill)
    }

    static let seqKey: [UInt8] = Array(#"{"seq":"#.utf8)
    static let timeKey: [UInt8] = Array(#","time":"#.utf8)

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
