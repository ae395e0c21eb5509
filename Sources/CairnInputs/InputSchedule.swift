import CairnCore

/// The inputs in force, each read on its own interval or delivering by
/// itself, with the health of every sensor they produce. Everything here
/// returns promptly: commands run as child processes collected on later polls.
public final class InputSchedule {
    /// How often `poll` should be called while a command runs: it has no file
    /// descriptor in the agent's poll set, so its pipes are drained on a short timer.
    public static let commandPollInterval: Int64 = 50

    public private(set) var entries: [ScheduledInput]

    public init(_ entries: [ScheduledInput] = []) {
        self.entries = entries
    }

    /// Puts a new list in force (entries kept from the old list keep their schedule and health).
    public func replace(with new: [ScheduledInput]) {
        entries = new
    }

    /// Monotonic ms by which `poll` should next be called.
    public func nextDeadline(nowMonotonic: Int64) -> Int64 {
        entries.reduce(nowMonotonic + 60_000) { min($0, $1.nextDeadline(nowMonotonic: nowMonotonic)) }
    }

    /// Reads the inputs that are due, collects what finished or arrived.
    public func poll(nowWall: Int64, nowMonotonic: Int64) -> InputResult {
        var result = InputResult()
        for entry in entries {
            let read = entry.poll(nowWall: nowWall, nowMonotonic: nowMonotonic)
            result.readings += read.readings
            result.failures += read.failures
        }
        return result
    }

    /// Every sensor's health, across inputs.
    public var health: SensorHealthTable {
        guard entries.count != 1 else { return entries[0].health }
        var all = SensorHealthTable()
        for entry in entries { all.merge(entry.health) }
        return all
    }

    /// Counters and problems of every input, for the status document.
    public var report: InputReport {
        var report = InputReport()
        for entry in entries { entry.input.report(into: &report) }
        return report
    }

    /// Stops every input (agent shutdown).
    public func stop() {
        for entry in entries { entry.input.stop() }
    }
}
