import CairnCore
import CairnQueue

/// The payload of one telemetry message: `{"device":…,"readings":[…]}`.
/// Stored fragments are wrapped in their envelope (seq, time) by
/// concatenation, never parsed. Shape documented in docs/protocol.md.
public enum TelemetryBatch {
    /// A message written reading by reading, straight from the queue's rows,
    /// holding as many as fit `maxBytes` (the first always goes in).
    public struct Builder {
        /// The message so far is `room[0..<length]`; the rest of `room` is space already
        /// allocated. A reading's body, most of a message, goes in with `copyMemory` (a
        /// `memmove`; the size-optimised embedded build appends a sequence to an array
        /// through a generic copy, byte by byte), digits and keys by plain stores.
        private var room: [UInt8]
        private var length = 0
        public private(set) var sequences: [Int64] = []
        let maxBytes: Int

        /// `buffer`: room to write into, taken (left empty) so that a sender can hand the
        /// same allocation from message to message (`finish` gives it back).
        public init(device: String, backfill: Bool = false, maxBytes: Int = Int.max, buffer: inout [UInt8]) {
            room = []
            swap(&room, &buffer)
            var head = JSONWriter(reservingCapacity: 64)
            head.beginObject()
            head.key("device"); head.string(device)
            if backfill { head.key("backfill"); head.bool(true) }
            head.key("readings")
            self.maxBytes = maxBytes
            head.bytes.withUnsafeBytes { write($0) }
            write(UInt8(ascii: "["))
        }

        public init(device: String, backfill: Bool = false, maxBytes: Int = Int.max) {
            var buffer: [UInt8] = []
            self.init(device: device, backfill: backfill, maxBytes: maxBytes, buffer: &buffer)
        }

        /// Adds a reading unless the message would then pass `maxBytes`; returns whether it did.
        public mutating func add(_ row: QueuedRow) -> Bool {
            let mark = length
            if !sequences.isEmpty { write(UInt8(ascii: ",")) }
            if row.trusted {
                TelemetryBatch.seqKey.withUnsafeBytes { write($0) }
                JSONWriter.withDecimal(row.sequence) { write($0) }
                TelemetryBatch.timeKey.withUnsafeBytes { write($0) }
                JSONWriter.withDecimal(row.time) { write($0) }
                write(UInt8(ascii: ","))
                write(UnsafeRawBufferPointer(row.fragment))
                write(UInt8(ascii: "}"))
            } else {
                var writer = JSONWriter(reservingCapacity: 160 + row.fragment.count)
                envelope(QueuedRecord(sequence: row.sequence, stream: .telemetry, time: row.time, monotonic: row.monotonic,
                                      bootID: row.bootID, trusted: false, fragment: String(decoding: row.fragment, as: UTF8.self)),
                         into: &writer)
                writer.bytes.withUnsafeBytes { write($0) }
            }
            // `]}` still to come.
            if !sequences.isEmpty && length + 2 > maxBytes {
                length = mark
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
            write(UInt8(ascii: "]"))
            write(UInt8(ascii: "}"))
            room.removeLast(room.count - length)
            var payload: [UInt8] = []
            swap(&payload, &room)
            return payload
        }

        private mutating func write(_ byte: UInt8) {
            makeRoom(1)
            room[length] = byte
            length += 1
        }

        private mutating func write(_ source: UnsafeRawBufferPointer) {
            guard let from = source.baseAddress, !source.isEmpty else { return }
            makeRoom(source.count)
            let at = length
            room.withUnsafeMutableBytes { room in
                // A call to memmove costs more than it saves below a few words (digits, keys).
                if source.count <= 16 {
                    for i in 0..<source.count { room[at + i] = source[i] }
                } else {
                    room.baseAddress!.advanced(by: at).copyMemory(from: from, byteCount: source.count)
                }
            }
            length += source.count
        }

        /// At least `more` bytes allocated past `length`. The array's capacity is kept from
        /// message to message (`buffer`), so growing it here writes only the few bytes by
        /// which a message is longer than the last one.
        private mutating func makeRoom(_ more: Int) {
            let needed = length + more
            guard room.count < needed else { return }
            room.append(contentsOf: repeatElement(0, count: needed - room.count + 256))
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
