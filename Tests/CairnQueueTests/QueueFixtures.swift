import CairnCore
@testable import CairnQueue

func stamp(_ wall: Int64 = 1_800_000_000_000, mono: Int64 = 1000, boot: String = "boot-a", trusted: Bool = true) -> RecordStamp {
    RecordStamp(wall: wall, monotonic: mono, bootID: boot, trusted: trusted)
}

func telemetry(_ count: Int, from start: Int = 0, padding: Int = 0, stamp s: RecordStamp = stamp()) -> [PendingRecord] {
    (0..<count).map {
        let reading = Reading(sensor: "s\($0 + start)" + String(repeating: "x", count: padding), value: Double($0 + start), unit: "C", time: s.wall)
        return PendingRecord(stream: .telemetry, stamp: s, fragment: reading.fragment)
    }
}

func event(_ name: String, stamp s: RecordStamp = stamp()) -> PendingRecord {
    PendingRecord(stream: .events, stamp: s, fragment: #""type":"\#(name)""#)
}

extension DurableQueue {
    func all(_ stream: QueueStream) throws -> [QueuedRecord] {
        try records(stream: stream, after: 0, limit: 1_000_000)
    }
}
