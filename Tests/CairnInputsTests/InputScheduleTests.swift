import Foundation
import Testing
import CairnCore
import CairnTestSupport
@testable import CairnInputs

/// Per-input intervals, selection and sensor health, driven with explicit clock values.
@Suite struct InputScheduleTests {
    /// One file input, sensor "v", reading `dir`/v.
    func oneFile(_ dir: TemporaryDirectory, interval: Int64) -> InputSchedule {
        InputSchedule([ScheduledInput(FileInput(name: "v", path: dir.file("v")), interval: interval)])
    }

    @Test func eachInputIsReadOnItsOwnInterval() {
        let dir = TemporaryDirectory()
        dir.write("fast", "1\n")
        dir.write("slow", "2\n")
        let schedule = InputSchedule([
            ScheduledInput(FileInput(name: "fast", path: dir.file("fast")), interval: 1000),
            ScheduledInput(FileInput(name: "slow", path: dir.file("slow")), interval: 3000),
        ])
        var seen: [String] = []
        for t: Int64 in [0, 500, 1000, 2000, 3000, 3999] {
            let sensors = schedule.poll(nowWall: t, nowMonotonic: t).readings.map(\.sensor)
            seen.append("\(t):" + sensors.joined(separator: ","))
        }
        #expect(seen == ["0:fast,slow", "500:", "1000:fast", "2000:fast", "3000:fast,slow", "3999:"])
        #expect(schedule.nextDeadline(nowMonotonic: 3999) == 4000)
    }

    @Test func missedPeriodsAreSkippedNotBurst() {
        let dir = TemporaryDirectory()
        dir.write("v", "1\n")
        let schedule = oneFile(dir, interval: 1000)
        #expect(schedule.poll(nowWall: 0, nowMonotonic: 0).readings.count == 1)
        #expect(schedule.poll(nowWall: 0, nowMonotonic: 10_500).readings.count == 1)
        #expect(schedule.nextDeadline(nowMonotonic: 10_500) == 11_000)
    }

    @Test func aLateReadIsNotFollowedWithinHalfAnInterval() {
        let dir = TemporaryDirectory()
        dir.write("v", "1\n")
        let schedule = oneFile(dir, interval: 1000)
        #expect(schedule.poll(nowWall: 0, nowMonotonic: 0).readings.count == 1)
        // 900 ms late: the read due at 2000 would come 100 ms after this one; the next is at 3000.
        #expect(schedule.poll(nowWall: 1900, nowMonotonic: 1900).readings.count == 1)
        #expect(schedule.nextDeadline(nowMonotonic: 1900) == 3000)
        #expect(schedule.poll(nowWall: 2000, nowMonotonic: 2000).readings.isEmpty)
        // 400 ms late: the next on the input's phase is 600 ms away, so it stays.
        #expect(schedule.poll(nowWall: 3400, nowMonotonic: 3400).readings.count == 1)
        #expect(schedule.nextDeadline(nowMonotonic: 3400) == 4000)
        // An interval of 1 ms is never read twice in one millisecond.
        let fast = oneFile(dir, interval: 1)
        #expect(fast.poll(nowWall: 0, nowMonotonic: 5).readings.count == 1)
        #expect(fast.poll(nowWall: 0, nowMonotonic: 5).readings.isEmpty)
        #expect(fast.nextDeadline(nowMonotonic: 5) == 6)
    }

    @Test func healthTracksFailuresAndRecovery() {
        let dir = TemporaryDirectory()
        let schedule = oneFile(dir, interval: 1000)
        _ = schedule.poll(nowWall: 100, nowMonotonic: 0)
        _ = schedule.poll(nowWall: 200, nowMonotonic: 1000)
        var health = schedule.health["v"]
        #expect(health?.consecutiveFailures == 2)
        #expect(health?.lastGood == 0)
        #expect(health?.lastError == "cannot read \(dir.file("v"))")
        #expect(schedule.health.failing.map(\.sensor) == ["v"])
        dir.write("v", "5\n")
        _ = schedule.poll(nowWall: 300, nowMonotonic: 2000)
        health = schedule.health["v"]
        #expect(health?.consecutiveFailures == 0)
        #expect(health?.lastGood == 300)
        #expect(health?.totalFailures == 2)
        #expect(schedule.health.failing.isEmpty)
        #expect(schedule.health.json().hasPrefix(#"[{"sensor":"v","last_good":"1970-01-01T00:00:00.300Z","consecutive_failures":0,"failures":2,"last_error":"#))
    }

    @Test func selectionKeepsOnlyAcceptedSensors() {
        let dir = TemporaryDirectory()
        dir.write("ups", "charge=97\nload=40\nbroken=x\n")
        let schedule = InputSchedule([ScheduledInput(FileInput(name: "ups", path: dir.file("ups")), interval: 1000,
                                            accept: { $0 != "ups/load" && $0 != "ups/broken" })])
        let result = schedule.poll(nowWall: 0, nowMonotonic: 0)
        #expect(result.readings.map(\.sensor) == ["ups/charge"])
        #expect(result.failures.isEmpty)
    }

    @Test func aCommandIsCollectedOnALaterPoll() {
        let schedule = InputSchedule([ScheduledInput(CommandInput(name: "c", arguments: ["echo", "x", "4"], timeout: 10_000),
                                            interval: 60_000)])
        let start = Clock.monotonicMilliseconds()
        #expect(schedule.poll(nowWall: 0, nowMonotonic: start).readings.isEmpty)
        // While it runs, the loop is asked back soon to drain and reap it.
        #expect(schedule.nextDeadline(nowMonotonic: start) == start + InputSchedule.commandPollInterval)
        var readings: [Reading] = []
        for _ in 0..<3000 where readings.isEmpty {
            usleep(10_000)   // pacing of a bounded wait (3000 × 10 ms) for the condition
            readings = schedule.poll(nowWall: 5, nowMonotonic: Clock.monotonicMilliseconds()).readings
        }
        #expect(readings == [Reading(sensor: "c/x", value: 4, unit: "", time: 5)])
        #expect(schedule.health["c/x"]?.lastGood == 5)
    }
}
