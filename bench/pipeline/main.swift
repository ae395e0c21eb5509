// Readings per second through a realistic per-sensor chain
// (scale → range → deadband → 60 s window), and CPU time per 1,000 readings.
// Build and run: bench/pipeline/run.sh (release mode).
import CSystem
import CairnCore
import CairnPipeline

func cpuNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

func wallNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// 200 sensors sampled every second, random walks with occasional glitches,
/// generated before timing so only the pipeline is measured.
func workload(sensors: Int, samples: Int) -> [Reading] {
    var state: UInt64 = 0x2545F4914F6CDD1D
    func next() -> Double {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Double(state % 10_000) / 10_000
    }
    let names = (0..<sensors).map { "hwmon/chip\($0 / 8)/temp\($0 % 8 + 1)" }
    var values = [Double](repeating: 40_000, count: sensors)
    var out: [Reading] = []
    out.reserveCapacity(sensors * samples)
    for s in 0..<samples {
        for i in 0..<sensors {
            values[i] += (next() - 0.5) * 400
            let glitch = next() < 0.001 ? 200_000.0 : 0
            out.append(Reading(sensor: names[i], value: values[i] + glitch, unit: "mC", time: 1_800_000_000_000 + Int64(s) * 1000))
        }
    }
    return out
}

func chainStages() -> [PipelineStage] {
    [.scale(ScaleOffset(factor: 0.001)),
     .range(RangeCheck(minimum: -40, maximum: 125)),
     .deadband(Deadband(absolute: 0.25, heartbeat: 300_000)),
     .window(WindowAggregate(length: 60_000, functions: [.min, .max, .mean]))]
}

func report(_ name: String, readings: Int, emitted: Int, wall: Int64, cpu: Int64) {
    let perSecond = Double(readings) / (Double(wall) / 1e9)
    let cpuPerThousand = Double(cpu) / Double(readings) * 1000 / 1000   // µs per 1,000 readings
    print("\(name): \(readings) readings in \(Double(wall / 1_000_000) / 1000) s wall, \(Int64(perSecond)) readings/s, \(Double(Int64(cpuPerThousand * 10)) / 10) µs CPU per 1,000 readings, \(emitted) emitted")
}

let readings = workload(sensors: 200, samples: 5_000)

// 1. Config-declared chains: SensorPipelines looks the sensor up, enum dispatch per stage.
do {
    var pipelines = SensorPipelines([.init(pattern: SensorPattern("hwmon/*/temp*"), stages: chainStages())])
    var emitted = 0
    let w0 = wallNanoseconds(), c0 = cpuNanoseconds()
    for r in readings { pipelines.process(r) { _ in emitted += 1 } }
    report("config chain (SensorPipelines, 200 sensors)", readings: readings.count, emitted: emitted,
           wall: wallNanoseconds() - w0, cpu: cpuNanoseconds() - c0)
}

// 2. The same plus two alarm rules evaluated on every output.
do {
    var pipelines = SensorPipelines([.init(pattern: SensorPattern("hwmon/*/temp*"), stages: chainStages())])
    var rules = RuleSet([
        AlarmRule(name: "hot", pattern: SensorPattern("hwmon/*"), direction: .above, threshold: 80, clear: 75, minimumDuration: 30_000),
        AlarmRule(name: "cold", pattern: SensorPattern("*/temp1*"), direction: .below, threshold: 0, clear: 2),
    ])
    var emitted = 0, alarms = 0
    let w0 = wallNanoseconds(), c0 = cpuNanoseconds()
    for r in readings {
        pipelines.process(r) { out in
            emitted += 1
            rules.evaluate(out) { _ in alarms += 1 }
        }
    }
    report("config chain + 2 rules", readings: readings.count, emitted: emitted,
           wall: wallNanoseconds() - w0, cpu: cpuNanoseconds() - c0)
}

// 3. One sensor through a chain composed statically with generics (no lookup, no enum).
do {
    var chain = ScaleOffset(factor: 0.001)
        .then(RangeCheck(minimum: -40, maximum: 125))
        .then(Deadband(absolute: 0.25, heartbeat: 300_000))
        .then(WindowAggregate(length: 60_000, functions: [.min, .max, .mean]))
    let one = readings.filter { $0.sensor == "hwmon/chip0/temp1" }
    var emitted = 0
    var rounds = 0
    let w0 = wallNanoseconds(), c0 = cpuNanoseconds()
    while rounds < 200 {
        for r in one { chain.process(r) { _ in emitted += 1 } }
        rounds += 1
    }
    report("generic Chain (1 sensor, 200 passes)", readings: one.count * rounds, emitted: emitted,
           wall: wallNanoseconds() - w0, cpu: cpuNanoseconds() - c0)
}
