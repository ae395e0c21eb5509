import CairnCore

/// SplitMix64: a seeded generator, so a failing property names a seed that reproduces it.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random walk sampled at irregular times, like a real sensor polled by a busy loop.
func randomSeries(seed: UInt64, count: Int = 300, sensor: String = "s", start: Int64 = 1_800_000_000_000) -> [Reading] {
    var random = SeededRandom(seed: seed)
    var time = start
    var value = Double(Int.random(in: -50...50, using: &random))
    var out: [Reading] = []
    for _ in 0..<count {
        time += Int64.random(in: 0...4000, using: &random)
        // Quarter steps keep sums exact, so aggregates can be compared with ==.
        value += Double(Int.random(in: -8...8, using: &random)) / 4
        if Int.random(in: 0..<20, using: &random) == 0 { value += Double(Int.random(in: -200...200, using: &random)) }
        out.append(Reading(sensor: sensor, value: value, unit: "C", time: time))
    }
    return out
}

func reading(_ value: Double, at time: Int64 = 0, sensor: String = "s") -> Reading {
    Reading(sensor: sensor, value: value, unit: "C", time: time)
}
