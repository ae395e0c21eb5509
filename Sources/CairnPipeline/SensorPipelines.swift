import CairnCore

/// The pipelines declared in config, applied per sensor: the first declaration
/// whose pattern matches a sensor id gives that sensor its chain, instantiated
/// on the sensor's first reading, so each sensor keeps its own state.
/// Sensors no pattern matches pass through unchanged.
public struct SensorPipelines {
    public struct Declaration {
        public let pattern: SensorPattern
        public let stages: [PipelineStage]

        public init(pattern: SensorPattern, stages: [PipelineStage]) {
            self.pattern = pattern
            self.stages = stages
        }
    }

    public let declarations: [Declaration]
    /// Sensor id → index into `chains`, or -1 when no declaration matched it.
    private var index: [String: Int] = [:]
    /// One chain per matched sensor, in first-seen order (ticks emit in a stable order).
    private var chains: [StageList] = []

    public init(_ declarations: [Declaration] = []) {
        self.declarations = declarations
    }

    public mutating func process(_ reading: Reading, emit: (Reading) -> Void) {
        guard !declarations.isEmpty else {
            emit(reading)
            return
        }
        let slot = index[reading.sensor] ?? instantiate(for: reading.sensor)
        guard slot >= 0 else {
            emit(reading)
            return
        }
        // In place through the array's modify accessor: no copy of the chain's state.
        chains[slot].process(reading, emit: emit)
    }

    public mutating func tick(now: Int64, emit: (Reading) -> Void) {
        for slot in chains.indices { chains[slot].tick(now: now, emit: emit) }
    }

    private mutating func instantiate(for sensor: String) -> Int {
        var slot = -1
        if let declaration = declarations.first(where: { $0.pattern.matches(sensor) }) {
            slot = chains.count
            chains.append(StageList(declaration.stages))
        }
        index[sensor] = slot
        return slot
    }

    /// Readings rejected (out of range, spikes) across all sensors.
    public var rejected: Int64 { chains.reduce(0) { $0 + $1.rejected } }

    /// Sensors that have a chain.
    public var chainCount: Int { chains.count }
}
