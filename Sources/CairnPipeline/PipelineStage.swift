import CairnCore

/// Every stage a config file can declare, as one enum: a chain read from
/// config is an array of these, dispatched by `switch` (no existentials,
/// which Embedded Swift does not have for non-class protocols).
public enum PipelineStage: Stage {
    case scale(ScaleOffset)
    case range(RangeCheck)
    case deadband(Deadband)
    case rateLimit(RateLimit)
    case window(WindowAggregate)
    case spike(SpikeFilter)

    public mutating func process(_ reading: Reading, emit: (Reading) -> Void) {
        switch self {
        case .scale(let stage):
            stage.process(reading, emit: emit)
        case .range(var stage):
            stage.process(reading, emit: emit)
            self = .range(stage)
        case .deadband(var stage):
            stage.process(reading, emit: emit)
            self = .deadband(stage)
        case .rateLimit(var stage):
            stage.process(reading, emit: emit)
            self = .rateLimit(stage)
        case .window(var stage):
            stage.process(reading, emit: emit)
            self = .window(stage)
        case .spike(var stage):
            stage.process(reading, emit: emit)
            self = .spike(stage)
        }
    }

    public mutating func tick(now: Int64, emit: (Reading) -> Void) {
        // Only windows act on time alone.
        guard case .window(var stage) = self else { return }
        stage.tick(now: now, emit: emit)
        self = .window(stage)
    }

    /// Readings this stage discarded as invalid (out of range, spikes), for status.
    public var rejected: Int64 {
        switch self {
        case .range(let stage): return stage.outOfRange
        case .spike(let stage): return stage.dropped
        default: return 0
        }
    }
}
