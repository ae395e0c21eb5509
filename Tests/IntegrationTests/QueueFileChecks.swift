import Foundation
import Testing

/// What a queue file must show after many applies under fast readings: every
/// sequence number from 1 once (no gap, none reused), `sqlite_sequence` at the
/// last one, and no reading stored twice. Returns the telemetry bodies.
@discardableResult
func expectEverySequenceOnce(_ queueFile: String, atLeast: Int) throws -> String {
    let sequences = try sqlite(queueFile, "SELECT seq FROM records ORDER BY seq;").split(separator: "\n").compactMap { Int($0) }
    #expect(sequences.count >= atLeast)
    #expect(sequences == Array(1...max(1, sequences.count)), "gaps at \(Set(1...(sequences.last ?? 1)).subtracting(sequences).sorted().prefix(20))")
    let highest = try sqlite(queueFile, "SELECT seq FROM sqlite_sequence WHERE name = 'records';")
    #expect(Int(highest.trimmingCharacters(in: .whitespacesAndNewlines)) == sequences.count)
    // No reading stored twice: the same body at the same monotonic instant (the
    // wall time may step under a test machine's NTP; the monotonic stamp cannot).
    let twice = try sqlite(queueFile, "SELECT group_concat(seq), mono_ms, time_ms, body FROM records WHERE stream = 2 GROUP BY body, mono_ms HAVING count(*) > 1;")
    #expect(twice.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "stored twice (seqs|mono|time|body):\n\(twice)")
    return try sqlite(queueFile, "SELECT body FROM records WHERE stream = 2;")
}
