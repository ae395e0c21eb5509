import Testing
import CairnCore
@testable import CairnPipeline

@Suite struct AlarmRuleTests {
    func run(_ rules: [AlarmRule], _ readings: [Reading], tickAt: Int64? = nil) -> [String] {
        var set = RuleSet(rules)
        var out: [String] = []
        for r in readings {
            set.evaluate(r) { out.append("\($0.raised ? "raised" : "cleared") \($0.rule.name) \($0.sensor) \(Numbers.format($0.value)) @\($0.time)") }
        }
        if let tickAt {
            set.tick(now: tickAt) { out.append("raised \($0.rule.name) \($0.sensor) \(Numbers.format($0.value)) @\($0.time) (tick)") }
        }
        return out
    }

    let hot = AlarmRule(name: "hot", pattern: SensorPattern("thermal/*"), direction: .above, threshold: 80, clear: 75)

    @Test func hysteresisRaisesAboveTheThresholdAndClearsOnlyBelowTheClearLevel() {
        let values: [Double] = [70, 80, 81, 79, 76, 82, 75, 74.9, 80.5]
        let out = run([hot], values.enumerated().map { reading($1, at: Int64($0), sensor: "thermal/cpu") })
        #expect(out == ["raised hot thermal/cpu 81 @2", "cleared hot thermal/cpu 74.9 @7", "raised hot thermal/cpu 80.5 @8"])
    }

    @Test func readingsFlaggedOutOfRangeNeitherRaiseNorClear() {
        var broken = reading(4095, at: 1, sensor: "thermal/cpu")
        broken.quality = .outOfRange
        var recovered = reading(20, at: 3, sensor: "thermal/cpu")
        recovered.quality = .outOfRange
        let out = run([hot], [broken, reading(85, at: 2, sensor: "thermal/cpu"), recovered, reading(70, at: 4, sensor: "thermal/cpu")])
        #expect(out == ["raised hot thermal/cpu 85 @2", "cleared hot thermal/cpu 70 @4"])
    }

    @Test func belowRules() {
        let cold = AlarmRule(name: "cold", pattern: SensorPattern("w1/*"), direction: .below, threshold: 2, clear: 4, severity: .critical)
        let out = run([cold], [reading(5, at: 0, sensor: "w1/28-1"), reading(1.5, at: 1, sensor: "w1/28-1"),
                               reading(3.9, at: 2, sensor: "w1/28-1"), reading(4.1, at: 3, sensor: "w1/28-1")])
        #expect(out == ["raised cold w1/28-1 1.5 @1", "cleared cold w1/28-1 4.1 @3"])
    }

    @Test func minimumDurationWaitsForTheBreachToLast() {
        let rule = AlarmRule(name: "hot", pattern: SensorPattern("*"), direction: .above, threshold: 80, minimumDuration: 60_000)
        // A 50 s excursion never raises; a breach lasting 60 s does, at the reading that completes it.
        let out = run([rule], [reading(85, at: 0), reading(85, at: 50_000), reading(70, at: 55_000),
                               reading(90, at: 100_000), reading(91, at: 130_000), reading(92, at: 160_000), reading(93, at: 170_000)])
        #expect(out == ["raised hot s 92 @160000"])
    }

    @Test func aTickRaisesAfterTheDurationWithoutNewReadings() {
        let rule = AlarmRule(name: "hot", pattern: SensorPattern("*"), direction: .above, threshold: 80, minimumDuration: 60_000)
        #expect(run([rule], [reading(85, at: 0)], tickAt: 59_999) == [])
        #expect(run([rule], [reading(85, at: 0)], tickAt: 60_000) == ["raised hot s 85 @60000 (tick)"])
    }

    @Test func eachSensorAndRuleHasItsOwnState() {
        let warm = AlarmRule(name: "warm", pattern: SensorPattern("thermal/*"), direction: .above, threshold: 60)
        let out = run([hot, warm], [reading(70, at: 0, sensor: "thermal/a"), reading(85, at: 1, sensor: "thermal/b"),
                                    reading(50, at: 2, sensor: "thermal/a"), reading(10, at: 3, sensor: "other")])
        #expect(out == ["raised warm thermal/a 70 @0", "raised hot thermal/b 85 @1", "raised warm thermal/b 85 @1",
                        "cleared warm thermal/a 50 @2"])
    }

    @Test func alarmEventsAreCloudEvents() throws {
        let rule = AlarmRule(name: "hot", pattern: SensorPattern("*"), direction: .above, threshold: 80, clear: 75,
                             minimumDuration: 30_000, severity: .critical)
        let transition = AlarmTransition(rule: rule, sensor: "thermal/cpu", raised: true, value: 81.5, time: 1_800_000_000_000)
        let event = try JSONParser.parse(transition.event(source: "cairn/gw-7", id: "42").json())
        #expect(event["type"] == .string("io.cairn.alarm.raised"))
        #expect(event["subject"] == .string("thermal/cpu"))
        #expect(event["source"] == .string("cairn/gw-7"))
        #expect(event["id"] == .string("42"))
        #expect(event["data"]?["rule"] == .string("hot"))
        #expect(event["data"]?["value"] == .number(81.5))
        #expect(event["data"]?["threshold"] == .number(80))
        #expect(event["data"]?["clear"] == .number(75))
        #expect(event["data"]?["severity"] == .string("critical"))
        #expect(event["data"]?["duration"] == .number(30))
        let cleared = AlarmTransition(rule: rule, sensor: "thermal/cpu", raised: false, value: 74, time: 0)
        #expect(cleared.event(source: "s", id: "1").type == "io.cairn.alarm.cleared")
    }
}
