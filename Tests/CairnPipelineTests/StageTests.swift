import Testing
import CairnCore
@testable import CairnPipeline

/// Drops every reading above a limit: a stage that emits nothing sometimes.
struct DropAbove: Stage {
    let limit: Double
    func process(_ reading: Reading, emit: (Reading) -> Void) {
        if reading.value <= limit { emit(reading) }
    }
}

/// Counts what passes, to show state in a stage survives across readings.
struct Counter: Stage {
    var seen = 0
    mutating func process(_ reading: Reading, emit: (Reading) -> Void) {
        seen += 1
        emit(reading)
    }
}

@Suite struct StageTests {
    func reading(_ value: Double) -> Reading { Reading(sensor: "s", value: value, unit: "C", time: 0) }

    @Test func chainAppliesStagesInOrder() {
        // Scale first, then drop: 30 × 2 = 60 passes a limit of 80, 50 × 2 = 100 does not.
        var chain = ScaleOffset(factor: 2, offset: 0).then(DropAbove(limit: 80))
        #expect(chain.run([reading(30), reading(50)]).map(\.value) == [60])
        // The reverse order filters on the raw value.
        var reversed = DropAbove(limit: 80).then(ScaleOffset(factor: 2))
        #expect(reversed.run([reading(30), reading(50)]).map(\.value) == [60, 100])
    }

    @Test func stagesKeepStateAcrossReadings() {
        var chain = PassThrough().then(Counter())
        _ = chain.run([reading(1), reading(2)])
        _ = chain.run([reading(3)])
        #expect(chain.second.seen == 3)
    }
}
