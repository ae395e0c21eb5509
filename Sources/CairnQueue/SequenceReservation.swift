import CairnCore

/// Keeps sequence numbers growing even when the queue file is lost (moved
/// aside as corrupt, deleted by hand): a small side file records a ceiling
/// reserved ahead of use, written (and synced) once per block, and a fresh
/// queue file starts above it.
struct SequenceReservation {
    static let block: Int64 = 10_000

    let path: String
    private(set) var ceiling: Int64

    init(path: String) {
        self.path = path
        ceiling = Files.readValue(path).flatMap { Int64($0) } ?? 0
    }

    /// Makes sure sequence numbers up to `upTo` are covered by the file.
    mutating func reserve(upTo: Int64) {
        guard upTo > ceiling else { return }
        let next = upTo + SequenceReservation.block
        do {
            try Files.writeAtomically(path, "\(next)\n")
            ceiling = next
        } catch {
            // Not fatal: the queue file still holds the sequence; only a lost
            // queue file and this failure together could reuse numbers.
            Log.warning("cannot write sequence reservation: \(error)")
        }
    }
}
