import Testing
@testable import CairnQueue

/// SequenceSet against Swift's Set, operation by operation: runs as the uplink
/// makes them (messages of consecutive numbers), single numbers, overlaps, gaps.
@Suite struct SequenceSetTests {
    /// A small deterministic generator, so a failure repeats.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int64) -> Int64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int64((state >> 33) % UInt64(bound))
        }
    }

    @Test func agreesWithSetThroughRandomRunsAddedAndRemoved() {
        for seed in 1...20 {
            var random = Generator(state: UInt64(seed))
            var ranges = SequenceSet()
            var reference = Set<Int64>()
            for step in 0..<400 {
                let start = random.next(300)
                var run = Array(start..<(start + 1 + random.next(12)))
                // Now and then a shuffled or gapped list, as a flush of several messages gives.
                if random.next(4) == 0 { run.reverse() }
                if random.next(4) == 0 { run = run.filter { $0 % 3 != 0 } }
                if random.next(3) == 0 {
                    ranges.subtract(run)
                    reference.subtract(run)
                } else {
                    ranges.formUnion(run)
                    reference.formUnion(run)
                }
                #expect(ranges.count == reference.count, "seed \(seed) step \(step)")
                #expect(ranges.isEmpty == reference.isEmpty)
                for probe in Int64(-2)...Int64(315) where ranges.contains(probe) != reference.contains(probe) {
                    Issue.record("seed \(seed) step \(step): contains(\(probe)) is \(ranges.contains(probe))")
                    return
                }
            }
        }
    }

    @Test func adjacentMessagesMergeIntoOneRangeAndSplitWhenOneIsAcknowledged() {
        var set = SequenceSet()
        set.formUnion(1...100)
        set.formUnion(101...200)
        set.formUnion(201...300)
        #expect(set.count == 300)
        set.subtract(101...200)
        #expect(set.count == 200 && set.contains(100) && !set.contains(101) && !set.contains(200) && set.contains(201))
        set.subtract(1...100)
        set.subtract(201...300)
        #expect(set.isEmpty && set.count == 0)
        set.formUnion([Int64.max - 1, Int64.max])
        #expect(set.count == 2 && set.contains(Int64.max))
        set.removeAll()
        #expect(set.isEmpty)
    }
}
