/// A set of sequence numbers kept as sorted, disjoint, non-adjacent ranges.
/// Records travel in runs (a telemetry message carries consecutive numbers,
/// PUBACKs free whole messages), so a window of thousands of records in flight
/// is a handful of ranges: adding and removing a message costs a few range
/// operations, not a hash per record.
public struct SequenceSet: Equatable {
    private var ranges: [ClosedRange<Int64>] = []
    public private(set) var count = 0

    public init() {}

    public init<S: Sequence>(_ sequences: S) where S.Element == Int64 {
        formUnion(sequences)
    }

    public var isEmpty: Bool { ranges.isEmpty }

    public func contains(_ sequence: Int64) -> Bool {
        run(containing: sequence) != nil
    }

    /// The run of consecutive members that holds `sequence`, nil when it is not a member.
    public func run(containing sequence: Int64) -> ClosedRange<Int64>? {
        let slot = firstEnding(atOrAfter: sequence)
        return slot < ranges.count && ranges[slot].lowerBound <= sequence ? ranges[slot] : nil
    }

    /// The members as runs of consecutive numbers, lowest first.
    public var runs: [ClosedRange<Int64>] { ranges }

    public mutating func formUnion<S: Sequence>(_ sequences: S) where S.Element == Int64 {
        SequenceSet.forEachRun(sequences) { insert($0) }
    }

    public mutating func subtract<S: Sequence>(_ sequences: S) where S.Element == Int64 {
        SequenceSet.forEachRun(sequences) { remove($0) }
    }

    public mutating func removeAll() {
        ranges.removeAll()
        count = 0
    }

    /// Index of the first range whose upper bound is ≥ `sequence`.
    private func firstEnding(atOrAfter sequence: Int64) -> Int {
        var low = 0, high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < sequence { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Adds every number of `run`.
    public mutating func insert(_ run: ClosedRange<Int64>) {
        // Every range overlapping or touching `run` is merged into it.
        let start = firstEnding(atOrAfter: run.lowerBound == Int64.min ? run.lowerBound : run.lowerBound - 1)
        var end = start
        var merged = run
        while end < ranges.count && (run.upperBound == Int64.max || ranges[end].lowerBound <= run.upperBound + 1) {
            merged = min(merged.lowerBound, ranges[end].lowerBound)...max(merged.upperBound, ranges[end].upperBound)
            count -= ranges[end].count
            end += 1
        }
        ranges.replaceSubrange(start..<end, with: [merged])
        count += merged.count
    }

    /// Removes every member of `run`.
    public mutating func remove(_ run: ClosedRange<Int64>) {
        let start = firstEnding(atOrAfter: run.lowerBound)
        var end = start
        var kept: [ClosedRange<Int64>] = []
        while end < ranges.count && ranges[end].lowerBound <= run.upperBound {
            let range = ranges[end]
            count -= range.count
            if range.lowerBound < run.lowerBound { kept.append(range.lowerBound...(run.lowerBound - 1)) }
            if range.upperBound > run.upperBound { kept.append((run.upperBound + 1)...range.upperBound) }
            end += 1
        }
        guard end > start else { return }
        for range in kept { count += range.count }
        ranges.replaceSubrange(start..<end, with: kept)
    }

    /// Calls `body` with each run of consecutive numbers, in the order given.
    static func forEachRun<S: Sequence>(_ sequences: S, _ body: (ClosedRange<Int64>) -> Void) where S.Element == Int64 {
        var current: ClosedRange<Int64>?
        for sequence in sequences {
            if let run = current, run.upperBound != Int64.max, sequence == run.upperBound + 1 {
                current = run.lowerBound...sequence
            } else {
                if let run = current { body(run) }
                current = sequence...sequence
            }
        }
        if let run = current { body(run) }
    }
}
