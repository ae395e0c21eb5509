import Testing
import CairnCore
@testable import CairnPipeline

@Suite struct ComposedPipelineTests {
    /// The enum-dispatched chain a config declares behaves exactly like the
    /// same chain composed statically with generics.
    @Test(arguments: 0..<20)
    func propertyConfigChainEqualsGenericChain(seed: Int) {
        var generic = ScaleOffset(factor: 1.8, offset: 32)
            .then(RangeCheck(minimum: -100, maximum: 300))
            .then(SpikeFilter(maxRate: 20))
            .then(Deadband(absolute: 0.5, heartbeat: 30_000))
            .then(WindowAggregate(length: 60_000, functions: [.min, .max, .mean]))
        var declared = StageList([
            .scale(ScaleOffset(factor: 1.8, offset: 32)),
            .range(RangeCheck(minimum: -100, maximum: 300)),
            .spike(SpikeFilter(maxRate: 20)),
            .deadband(Deadband(absolute: 0.5, heartbeat: 30_000)),
            .window(WindowAggregate(length: 60_000, functions: [.min, .max, .mean])),
        ])
        let inputs = randomSeries(seed: UInt64(4000 + seed))
        let end = inputs.last!.time + 60_000
        let fromGeneric = generic.run(inputs) + generic.runTick(now: end)
        let fromDeclared = declared.run(inputs) + declared.runTick(now: end)
        #expect(!fromGeneric.isEmpty)
        #expect(fromDeclared == fromGeneric)
    }

    @Test func aWindowClosedByATickStillPassesTheLaterStages() {
        var list = StageList([.window(WindowAggregate(length: 1000, functions: [.mean])), .scale(ScaleOffset(factor: 10))])
        _ = list.run([reading(1, at: 0), reading(2, at: 500)])
        #expect(list.runTick(now: 1000).map(\.value) == [15])
    }

    @Test func eachSensorHasItsOwnChainState() {
        var pipelines = SensorPipelines([
            .init(pattern: SensorPattern("hwmon/*"), stages: [.deadband(Deadband(absolute: 1))]),
        ])
        var out: [Reading] = []
        for r in [reading(10, sensor: "hwmon/a"), reading(50, sensor: "hwmon/b"),
                  reading(10.5, sensor: "hwmon/a"), reading(50.5, sensor: "hwmon/b"),
                  reading(11, sensor: "hwmon/a"), reading(0.1, sensor: "health/load1"), reading(0.1, sensor: "health/load1")] {
            pipelines.process(r) { out.append($0) }
        }
        // a: 10, 11 pass (10.5 is within 1 of 10); b: 50 only; health/* matched nothing and passes unchanged.
        #expect(out.map { "\($0.sensor)=\(Numbers.format($0.value))" } == ["hwmon/a=10", "hwmon/b=50", "hwmon/a=11", "health/load1=0.1", "health/load1=0.1"])
        #expect(pipelines.chainCount == 2)
    }

    @Test func theFirstMatchingDeclarationWins() {
        var pipelines = SensorPipelines([
            .init(pattern: SensorPattern("thermal/cpu*"), stages: [.scale(ScaleOffset(factor: 2))]),
            .init(pattern: SensorPattern("thermal/*"), stages: [.scale(ScaleOffset(factor: 3))]),
        ])
        var out: [Double] = []
        pipelines.process(reading(1, sensor: "thermal/cpu-thermal")) { out.append($0.value) }
        pipelines.process(reading(1, sensor: "thermal/gpu")) { out.append($0.value) }
        #expect(out == [2, 3])
    }

    @Test func rejectedReadingsAreCountedAcrossSensors() {
        var pipelines = SensorPipelines([.init(pattern: SensorPattern("*"), stages: [.range(RangeCheck(maximum: 100))])])
        for sensor in ["a", "b"] { pipelines.process(reading(101, sensor: sensor)) { _ in } }
        #expect(pipelines.rejected == 2)
    }
}

@Suite struct SensorPatternTests {
    @Test(arguments: [
        ("hwmon/*/temp*", "hwmon/nct6775/temp1", true),
        ("hwmon/*/temp*", "hwmon/nct6775/in0", false),
        ("hwmon/*", "hwmon/a/b/c", true),
        ("*", "anything/at/all", true),
        ("thermal/cpu-thermal", "thermal/cpu-thermal", true),
        ("thermal/cpu-thermal", "thermal/cpu-thermal2", false),
        ("*load*", "health/load15", true),
        ("a*b*c", "abc", true),
        ("a*b*c", "acb", false),
        ("a*a", "a", false),
        ("**", "", true),
        ("w1/28-*", "w1/10-abc", false),
    ])
    func matching(pattern: String, sensor: String, expected: Bool) {
        #expect(SensorPattern(pattern).matches(sensor) == expected)
    }
}
