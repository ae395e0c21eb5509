import CairnCore

/// The pipelines declared in config, applied per sensor: the first declaration
/// whose pattern matches a sensor id gives that sensor its chain, instantiated
/// on the sensor's first reading, so each sensor keeps its own state.
/// Sensors no pattern matches pass through unchanged.
public struct SensorPipelines {
    public struct Declaration {
        public let pattern: SensorPattern
        /// Fresh stages, copied into each sensor's chain.
        public let stages: [PipelineStage]
        /// The stages as declared, to tell on a reconfiguration whether a chain changed
        /// (nil: built directly, counts as changed).
        public let settings: [StageSettings]?

        public init(pattern: SensorPattern, stages: [PipelineStage]) {
            self.pattern = pattern
            self.stages = stages
            settings = nil
        }

        public init(pattern: SensorPattern, settings: [StageSettings]) {
            self.pattern = pattern
            self.stages = settings.map { $0.makeStage() }
            self.settings = settings
        }

        /// Same stages as declared: a chain built from one is a chain built from the other.
        func sameChain(as other: Declaration) -> Bool {
            settings != nil && settings == other.settings
        }
    }

    public private(set) var declarations: [Declaration]
    /// Sensor id → index into `chains`, or -1 when no declaration matched it.
    private var index: [String: Int] = [:]
    /// One chain per matched sensor, in first-seen order (ticks emit in a stable order).
    private var chains: [StageList] = []
    /// Per chain: the sensor and the declaration it was built from.
    private var owners: [(sensor: String, declaration: Int)] = []
    /// Rejections counted by chains since dropped by a reconfiguration.
    private var retiredRejected: Int64 = 0

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
        if let found = declarations.firstIndex(where: { $0.pattern.matches(sensor) }) {
            slot = chains.count
            chains.append(StageList(declarations[found].stages))
            owners.append((sensor, found))
        }
        index[sensor] = slot
        return slot
    }

    /// Takes new declarations. A sensor whose chain is declared the same keeps
    /// it with its state (open window, deadband reference, spike history); any
    /// other sensor starts fresh on its next reading. Returns the patterns of
    /// the declarations added, changed or removed.
    @discardableResult
    public mutating func reconfigure(_ new: [Declaration]) -> [String] {
        var keptChains: [StageList] = []
        var keptOwners: [(sensor: String, declaration: Int)] = []
        for slot in chains.indices {
            let (sensor, old) = owners[slot]
            if let match = new.firstIndex(where: { $0.pattern.matches(sensor) }), new[match].sameChain(as: declarations[old]) {
                keptChains.append(chains[slot])
                keptOwners.append((sensor, match))
            } else {
                retiredRejected += chains[slot].rejected
            }
        }
        var changed: [String] = []
        for declaration in new where !declarations.contains(where: { $0.pattern == declaration.pattern && $0.sameChain(as: declaration) }) {
            changed.append(declaration.pattern.text)
        }
        for declaration in declarations where !new.contains(where: { $0.pattern == declaration.pattern }) {
            changed.append(declaration.pattern.text)
        }
        declarations = new
        chains = keptChains
        owners = keptOwners
        index = [:]
        for (slot, owner) in owners.enumerated() { index[owner.sensor] = slot }
        return changed
    }

    /// Readings rejected (out of range, spikes) across all sensors.
    public var rejected: Int64 { chains.reduce(retiredRejected) { $0 + $1.rejected } }

    /// Sensors that have a chain.
    public var chainCount: Int { chains.count }
}
