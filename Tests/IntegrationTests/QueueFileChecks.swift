import Foundation
import Testing

/// What a queue file must show after many applies under fast readings: every
/// sequence number from 1 once (no gap, none reused), `sqlite_sequence` at the
/// last one, and no reading stored twice. Returns the telemetry bodies.
@discardableResult
func expectEverySequenceOnce(_ queueFile: String, atLeast: Int, log: @autoclosure () -> String = "") throws -> String {
    let sequences = try sqlite(queueFile, "SELECT seq FROM records ORDER BY seq;").split(separator: "\n").compactMap { Int($0) }
    #expect(sequences.count >= atLeast)
    #expect(sequences == Array(1...max(1, sequences.count)), "gaps at \(Set(1...(sequences.last ?? 1)).subtracting(sequences).sorted().prefix(20))")
    let highest = try sqlite(queueFile, "SELECT seq FROM sqlite_sequence WHERE name = 'records';")
    #expect(Int(highest.trimmingCharacters(in: .whitespacesAndNewlines)) == sequences.count)
    // No reading stored twice, and no input read twice at once: the same body at the same
    // monotonic millisecond (the wall time may step under a test machine's NTP; the
    // monotonic stamp cannot). A late read followed at once by the one on time did this.
    let twice = try sqlite(queueFile, "SELECT group_concat(seq), mono_ms, time_ms, body FROM records WHERE stream = 2 GROUP BY body, mono_ms HAVING count(*) > 1;")
    var around = ""
    if let first = twice.split(separator: "|").first?.split(separator: ",").compactMap({ Int($0) }), let low = first.min(), let high = first.max() {
        around = (try? sqlite(queueFile, "SELECT seq, stream, mono_ms, time_ms, substr(body, 1, 160) FROM records WHERE seq BETWEEN \(low - 4) AND \(high + 4) ORDER BY seq;")) ?? ""
    }
    #expect(twice.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "stored twice (seqs|mono|time|body):\n\(twice)\nthe records around the first:\n\(around)\nthe end of the agent's log:\n\(log().suffix(8000))")
    return try sqlite(queueFile, "SELECT body FROM records WHERE stream = 2;")
}
