import CairnCore

/// A step of a sensor's processing: takes a reading and emits zero or more.
/// Stages are composed with generics (`Chain`) for chains fixed in code, and
/// with the `PipelineStage` enum for chains declared in config, so every call
/// is dispatched statically in Embedded Swift instead of through existentials.
public protocol Stage {
    mutating func process(_ reading: Reading, emit: (Reading) -> Void)
    /// Lets time-driven stages (windows) emit without a new reading, e.g. when a
    /// window closes after its sensor stopped reporting. `now` is wall time in ms.
    mutating func tick(now: Int64, emit: (Reading) -> Void)
}

extension Stage {
    public mutating func tick(now: Int64, emit: (Reading) -> Void) {}
}

/// `first` then `second`: the type of a chain spells out its stages.
public struct Chain<First: Stage, Second: Stage>: Stage {
    public var first: First
    public var second: Second

    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    public mutating func process(_ reading: Reading, emit: (Reading) -> Void) {
        var downstream = second
        first.process(reading) { downstream.process($0, emit: emit) }
        second = downstream
    }

    public mutating func tick(now: Int64, emit: (Reading) -> Void) {
        var downstream = second
        first.tick(now: now) { downstream.process($0, emit: emit) }
        downstream.tick(now: now, emit: emit)
        second = downstream
    }
}

/// Passes readings through unchanged: the chain of a sensor with no filters.
public struct PassThrough: Stage {
    public init() {}
    public func process(_ reading: Reading, emit: (Reading) -> Void) { emit(reading) }
}

/// value × factor + offset, for calibration and unit conversion.
public struct ScaleOffset: Stage {
    public let factor: Double
    public let offset: Double

    public init(factor: Double, offset: Double = 0) {
        self.factor = factor
        self.offset = offset
    }

    public func process(_ reading: Reading, emit: (Reading) -> Void) {
        var scaled = reading
        scaled.value = reading.value * factor + offset
        emit(scaled)
    }
}

extension Stage {
    /// `a.then(b)` reads in the order readings flow.
    public func then<Next: Stage>(_ next: Next) -> Chain<Self, Next> { Chain(self, next) }

    /// Runs a batch through the stage and returns what comes out.
    public mutating func run(_ readings: [Reading]) -> [Reading] {
        var out: [Reading] = []
        for reading in readings { process(reading) { out.append($0) } }
        return out
    }

    /// Ticks the stage and returns what it emits.
    public mutating func runTick(now: Int64) -> [Reading] {
        var out: [Reading] = []
        tick(now: now) { out.append($0) }
        return out
    }
}
