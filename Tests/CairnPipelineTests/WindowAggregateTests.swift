import Testing
import CairnCore
@testable import CairnPipeline

@Suite struct WindowAggregateTests {
    @Test func emitsEachFunctionWhenTheWindowCloses() {
        var stage = WindowAggregate(length: 60_000)
        let inWindow = stage.run([reading(3, at: 60_000), reading(1, at: 70_000), reading(5, at: 119_999)])
        #expect(inWindow.isEmpty)
        let closed = stage.run([reading(9, at: 120_000)])
        #expect(closed.map(\.sensor) == ["s/min", "s/max", "s/mean", "s/count", "s/last"])
        #expect(closed.map(\.value) == [1, 5, 3, 3, 5])
        #expect(closed.allSatisfy { $0.time == 60_000 })
        #expect(closed.map(\.unit) == ["C", "C", "C", "", "C"])
    }

    @Test func flaggedReadingsPassThroughOutsideTheAggregates() {
        var stage = WindowAggregate(length: 60_000, functions: [.max, .count])
        var suspect = reading(4095, at: 1_000)
        suspect.quality = .outOfRange
        let passed = stage.run([reading(3, at: 0), suspect, reading(5, at: 2_000)])
        #expect(passed == [suspect])
        #expect(stage.runTick(now: 60_000).map(\.value) == [5, 2])
    }

    @Test func aTickClosesTheWindowWhenTheSensorFallsSilent() {
        var stage = WindowAggregate(length: 10_000, functions: [.mean, .count])
        _ = stage.run([reading(2, at: 1_000), reading(4, at: 2_000)])
        #expect(stage.runTick(now: 9_999).isEmpty)
        #expect(stage.runTick(now: 10_000).map(\.value) == [3, 2])
        // Closed once: nothing more until new readings arrive.
        #expect(stage.runTick(now: 50_000).isEmpty)
    }

    @Test func windowsAlignBeforeTheEpochToo() {
        let stage = WindowAggregate(length: 1000)
        #expect(stage.windowStart(-1) == -1000)
        #expect(stage.windowStart(-1000) == -1000)
        #expect(stage.windowStart(999) == 0)
    }

    /// Window aggregates equal a naive recomputation: group every reading by
    /// its window, compute min/max/mean/count/last directly, compare.
    @Test(arguments: 0..<40)
    func propertyAggregatesEqualANaiveRecomputation(seed: Int) {
        let length = Int64(1000 + seed * 3_331)
        let inputs = randomSeries(seed: UInt64(3000 + seed))
        var stage = WindowAggregate(length: length)
        var emitted = stage.run(inputs)
        emitted += stage.runTick(now: inputs.last!.time + length)

        var expected: [Reading] = []
        var group: [Reading] = []
        func flush() {
            guard let first = group.first else { return }
            let start = (first.time / length) * length
            let values = group.map(\.value)
            let sum = values.reduce(0, +)
            for (name, value) in [("min", values.min()!), ("max", values.max()!), ("mean", sum / Double(values.count)),
                                  ("count", Double(values.count)), ("last", values.last!)] {
                expected.append(Reading(sensor: "s/\(name)", value: value, unit: name == "count" ? "" : "C", time: start))
            }
            group = []
        }
        for input in inputs {
            if let first = group.first, first.time / length != input.time / length { flush() }
            group.append(input)
        }
        flush()
        #expect(emitted == expected, "seed \(seed), window \(length) ms")
    }
}
