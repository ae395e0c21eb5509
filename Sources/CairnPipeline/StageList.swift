import CairnCore

/// A chain declared at run time: stages applied in declared order, each
/// one's output feeding the next. One instance per sensor holds that sensor's state.
public struct StageList: Stage {
    public var stages: [PipelineStage]

    public init(_ stages: [PipelineStage]) {
        self.stages = stages
    }

    public mutating func process(_ reading: Reading, emit: (Reading) -> Void) {
        feed(reading, into: 0, emit: emit)
    }

    public mutating func tick(now: Int64, emit: (Reading) -> Void) {
        // Upstream first, so a window closing early in the chain still passes the later stages.
        for index in stages.indices {
            var stage = stages[index]
            stage.tick(now: now) { feed($0, into: index + 1, emit: emit) }
            stages[index] = stage
        }
    }

    private mutating func feed(_ reading: Reading, into index: Int, emit: (Reading) -> Void) {
        guard index < stages.count else {
            emit(reading)
            return
        }
        // Stages hold no heap state of their own, so this copy is a few words.
        var stage = stages[index]
        stage.process(reading) { feed($0, into: index + 1, emit: emit) }
        stages[index] = stage
    }

    public var rejected: Int64 { stages.reduce(0) { $0 + $1.rejected } }
}
