import Testing
import CairnCore
@testable import CairnPipeline

@Suite struct RangeCheckTests {
    @Test func dropsAndCountsOutOfRangeReadings() {
        var stage = RangeCheck(minimum: -40, maximum: 125)
        #expect(stage.run([reading(-127), reading(20), reading(125), reading(125.5), reading(.nan)]).map(\.value) == [20, 125])
        #expect(stage.outOfRange == 3)
    }

    @Test func clampsToTheNearestBoundButNeverPassesNaN() {
        var stage = RangeCheck(minimum: 0, maximum: 100, action: .clamp)
        #expect(stage.run([reading(-3), reading(50), reading(140), reading(.nan)]).map(\.value) == [0, 50, 100])
        #expect(stage.outOfRange == 3)
    }

    @Test func flagsOutOfRangeReadingsAndPassesThemOn() {
        var stage = RangeCheck(minimum: 0, maximum: 100, action: .flag)
        let out = stage.run([reading(-3), reading(50), reading(140), reading(.nan)])
        #expect(out.map(\.value) == [-3, 50, 140])
        #expect(out.map(\.quality) == [.outOfRange, .good, .outOfRange])
        #expect(stage.outOfRange == 3)
        #expect(out[0].fragment.contains("\"quality\":\"out_of_range\""))
        #expect(!out[1].fragment.contains("quality"))
    }

    @Test func oneSidedRange() {
        var stage = RangeCheck(maximum: 10)
        #expect(stage.run([reading(-1e9), reading(11)]).map(\.value) == [-1e9])
    }
}

@Suite struct DeadbandTests {
    @Test func passesOnlyChangesOfAtLeastTheBand() {
        var stage = Deadband(absolute: 0.5)
        let out = stage.run([reading(20, at: 0), reading(20.2, at: 1), reading(20.49, at: 2), reading(20.5, at: 3),
                             reading(20.1, at: 4), reading(19.9, at: 5)])
        #expect(out.map(\.value) == [20, 20.5, 19.9])
    }

    @Test func heartbeatEndsASilence() {
        var stage = Deadband(absolute: 1, heartbeat: 300_000)
        let out = stage.run([reading(5, at: 0), reading(5, at: 299_999), reading(5, at: 300_000), reading(5.1, at: 300_001)])
        #expect(out.map(\.time) == [0, 300_000])
    }

    @Test func percentBandFollowsTheLastValuePassed() {
        var stage = Deadband(percent: 10)
        let out = stage.run([reading(100), reading(109), reading(110), reading(120), reading(121.5)])
        #expect(out.map(\.value) == [100, 110, 121.5])
    }

    @Test func clockSteppingBackPassesTheReading() {
        var stage = Deadband(absolute: 10, heartbeat: 60_000)
        #expect(stage.run([reading(1, at: 1_000_000), reading(1, at: 5_000)]).count == 2)
    }

    /// For many random series: two consecutive outputs are never closer than the
    /// band unless the heartbeat was due, and every dropped reading was within
    /// the band of the last output before the heartbeat was due.
    @Test(arguments: 0..<40)
    func propertyDeadbandNeverEmitsWithinTheBandUnlessTheHeartbeatIsDue(seed: Int) {
        let absolute = Double(seed % 5) * 0.75
        let percent = Double(seed % 3) * 2
        let heartbeat = Int64(seed % 4) * 7_000
        var stage = Deadband(absolute: absolute, percent: percent, heartbeat: heartbeat)
        var last: Reading?
        for input in randomSeries(seed: UInt64(seed)) {
            let out = stage.run([input])
            let heartbeatDue = last.map { heartbeat > 0 && input.time - $0.time >= heartbeat } ?? true
            let outsideBand = last.map { (input.value - $0.value).magnitude >= stage.band(around: $0.value) } ?? true
            if out.isEmpty {
                #expect(!heartbeatDue && !outsideBand, "seed \(seed): dropped \(input.value) at \(input.time)")
            } else {
                #expect(out == [input])
                #expect(heartbeatDue || outsideBand, "seed \(seed): passed \(input.value) within the band")
                last = input
            }
        }
    }
}

@Suite struct RateLimitTests {
    @Test func firstReadingOfEachPeriodPasses() {
        var stage = RateLimit(period: 10_000)
        let out = stage.run([reading(1, at: 0), reading(2, at: 9_999), reading(3, at: 10_000), reading(4, at: 15_000), reading(5, at: 20_001)])
        #expect(out.map(\.value) == [1, 3, 5])
    }

    @Test(arguments: 0..<30)
    func propertyNeverTwoReadingsCloserThanThePeriod(seed: Int) {
        let period = Int64(1 + seed * 997)
        var stage = RateLimit(period: period)
        let inputs = randomSeries(seed: UInt64(1000 + seed))
        var lastTime: Int64?
        for input in inputs {
            let passed = !stage.run([input]).isEmpty
            let due = lastTime.map { input.time - $0 >= period } ?? true
            #expect(passed == due, "seed \(seed): reading at \(input.time), last passed at \(String(describing: lastTime))")
            if passed { lastTime = input.time }
        }
    }
}

@Suite struct SpikeFilterTests {
    @Test func dropsALoneSpike() {
        // 1 unit per second allowed: +0.5 over 1 s is fine, +80 over 1 s is a glitch.
        var stage = SpikeFilter(maxRate: 1)
        let out = stage.run([reading(20, at: 0), reading(20.5, at: 1000), reading(100.5, at: 2000), reading(21, at: 3000)])
        #expect(out.map(\.value) == [20, 20.5, 21])
        #expect(stage.dropped == 1)
    }

    @Test func theAllowanceGrowsWithTimeSinceTheLastAcceptedReading() {
        var stage = SpikeFilter(maxRate: 1)
        // 10 units after 10 s is exactly the maximum rate: accepted.
        #expect(stage.run([reading(0, at: 0), reading(10, at: 10_000), reading(10.01, at: 10_000)]).map(\.value) == [0, 10])
    }

    @Test func aPersistentStepIsAcceptedAfterTheConfirmations() {
        var stage = SpikeFilter(maxRate: 1, confirmations: 2)
        let out = stage.run([reading(0, at: 0), reading(50, at: 1000), reading(50, at: 2000), reading(50, at: 3000), reading(50.5, at: 4000)])
        #expect(out.map(\.time) == [0, 3000, 4000])
    }

    @Test(arguments: 0..<20)
    func propertyAcceptedReadingsRespectTheRateOrFollowTheConfirmations(seed: Int) {
        var stage = SpikeFilter(maxRate: 0.5, confirmations: 3)
        var reference: Reading?
        var droppedInARow = 0
        for input in randomSeries(seed: UInt64(2000 + seed)) {
            let passed = !stage.run([input]).isEmpty
            if let ref = reference {
                let allowed = 0.5 * Double(input.time - ref.time) / 1000
                let withinRate = (input.value - ref.value).magnitude <= allowed
                #expect(passed == (withinRate || droppedInARow == 3), "seed \(seed) at \(input.time)")
            } else {
                #expect(passed)
            }
            if passed { reference = input; droppedInARow = 0 } else { droppedInARow += 1 }
        }
    }
}
