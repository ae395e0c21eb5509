import CairnCore

/// The configured inputs, each read on its own interval, with the health of
/// every sensor they produce. Everything here returns promptly: commands run
/// as child processes that `poll` collects when they finish.
public final class InputSchedule {
    public struct Entry {
        public let source: InputSource
        /// Milliseconds between reads.
        public let interval: Int64
        /// Keeps only the sensors a config selected (nil: all that were discovered).
        public let accept: ((String) -> Bool)?

        public init(source: InputSource, interval: Int64, accept: ((String) -> Bool)? = nil) {
            self.source = source
            self.interval = max(1, interval)
            self.accept = accept
        }
    }

    /// How often `poll` should be called while a command runs: it has no file
    /// descriptor in the agent's poll set, so its pipes are drained on a short timer.
    public static let commandPollInterval: Int64 = 50

    public let entries: [Entry]
    private var due: [Int64]
    public private(set) var health = SensorHealthTable()

    /// The first reads are due at `nowMonotonic`.
    public init(_ entries: [Entry], nowMonotonic: Int64) {
        self.entries = entries
        due = Array(repeating: nowMonotonic, count: entries.count)
    }

    /// Monotonic ms by which `poll` should next be called.
    public func nextDeadline(nowMonotonic: Int64) -> Int64 {
        var next = due.min() ?? nowMonotonic + 60_000
        if entries.contains(where: { $0.source.command?.isRunning == true }) {
            next = min(next, nowMonotonic + InputSchedule.commandPollInterval)
        }
        return next
    }

    /// Reads the inputs that are due, collects finished commands.
    public func poll(nowWall: Int64, nowMonotonic: Int64) -> InputResult {
        var result = InputResult()
        for slot in entries.indices {
            let entry = entries[slot]
            if let command = entry.source.command, let finished = command.collect(nowWall: nowWall, nowMonotonic: nowMonotonic) {
                add(finished, from: entry, to: &result)
            }
            guard nowMonotonic >= due[slot] else { continue }
            // Skip missed periods after a stall instead of reading in a burst.
            while due[slot] <= nowMonotonic { due[slot] += entry.interval }
            if let read = entry.source.begin(nowWall: nowWall, nowMonotonic: nowMonotonic) {
                add(read, from: entry, to: &result)
            }
        }
        health.record(result, now: nowWall)
        return result
    }

    /// Notes readings and failures that arrived by themselves (MQTT, HTTP) in
    /// the same health table, so status shows every sensor the same way.
    public func record(_ delivered: InputResult, nowWall: Int64) {
        health.record(delivered, now: nowWall)
    }

    /// Kills commands still running (agent shutdown).
    public func stop() {
        for entry in entries { entry.source.command?.stop() }
    }

    private func add(_ read: InputResult, from entry: Entry, to result: inout InputResult) {
        guard let accept = entry.accept else {
            result.readings += read.readings
            result.failures += read.failures
            return
        }
        result.readings += read.readings.filter { accept($0.sensor) }
        result.failures += read.failures.filter { accept($0.sensor) }
    }
}
