import Testing
@testable import CairnStatus

@Suite struct SensorHistoryTests {
    @Test func aFullRingMergesItsOlderHalfAndKeepsTheNewestPointsExact() {
        let history = SensorHistory(pointsPerSensor: 120)
        for i in 0..<1000 { history.record(sensor: "t", time: Int64(i) * 1000, value: Double(i)) }
        let points = history.points("t")
        #expect(points.count <= 120)
        #expect(points.count >= 60)
        // The newest 60 points (half a ring) are the values recorded, unmerged.
        let newest = points.suffix(60)
        #expect(newest.map(\.value) == (940..<1000).map(Double.init))
        #expect(newest.map(\.time) == (940..<1000).map { Int64($0) * 1000 })
        // Merged points reach further back than the ring's size.
        #expect(points[0].time < Int64(1000 - 120) * 1000)
    }

    @Test func mergingTakesTheMeanAtTheLaterTime() {
        let history = SensorHistory(pointsPerSensor: 4)
        for (i, v) in [1.0, 3.0, 10.0, 20.0, 7.0].enumerated() { history.record(sensor: "t", time: Int64(i), value: v) }
        #expect(history.points("t") == [
            HistoryPoint(time: 1, value: 2), HistoryPoint(time: 2, value: 10),
            HistoryPoint(time: 3, value: 20), HistoryPoint(time: 4, value: 7),
        ])
    }

    @Test func pointsStayInTimeOrderThroughManyMerges() {
        let history = SensorHistory(pointsPerSensor: 30)
        for i in 0..<5000 { history.record(sensor: "t", time: Int64(i) * 500, value: Double(i % 17)) }
        let times = history.points("t").map(\.time)
        #expect(times == times.sorted())
        #expect(Set(times).count == times.count)
        #expect(times.last == Int64(4999 * 500))
    }

    @Test func nonFiniteValuesAreIgnored() {
        let history = SensorHistory()
        history.record(sensor: "t", time: 1, value: .nan)
        history.record(sensor: "t", time: 2, value: .infinity)
        #expect(history.points("t").isEmpty)
        #expect(history.sensors.isEmpty)
        history.record(sensor: "t", time: 3, value: 1)
        #expect(history.points("t") == [HistoryPoint(time: 3, value: 1)])
    }

    @Test func sensorsBeyondTheLimitAreRefusedAndCounted() {
        let history = SensorHistory(pointsPerSensor: 8, maxSensors: 2)
        history.record(sensor: "b", time: 1, value: 1)
        history.record(sensor: "a", time: 1, value: 1)
        history.record(sensor: "c", time: 1, value: 1)
        history.record(sensor: "c", time: 2, value: 1)
        history.record(sensor: "a", time: 2, value: 2)
        #expect(history.sensors == ["a", "b"])
        #expect(history.sensorsRefused == 2)
        #expect(history.points("c").isEmpty)
        history.forget(sensor: "b")
        history.record(sensor: "c", time: 3, value: 1)
        #expect(history.sensors == ["a", "c"])
        history.forgetAll(except: ["c", "queue"])
        #expect(history.sensors == ["c"])
    }

    @Test func memoryCap() {
        #expect(MemoryLayout<HistoryPoint>.stride == 16)
        #expect(SensorHistory.capBytes(pointsPerSensor: 120, maxSensors: 256) == 120 * 256 * 16)
        let history = SensorHistory(pointsPerSensor: 10, maxSensors: 3)
        for s in 0..<5 {
            for i in 0..<200 { history.record(sensor: "s\(s)", time: Int64(i), value: Double(i)) }
        }
        let stored = history.sensors.reduce(0) { $0 + history.points($1).count }
        #expect(stored * 16 <= SensorHistory.capBytes(pointsPerSensor: 10, maxSensors: 3))
        #expect(history.sensorsRefused == 2 * 200)
    }
}
