import CairnCore

/// One input in force, with what every input gets from the agent rather than
/// from its plugin: when it is read, which of its sensors are kept, and the
/// health of each (failure counts, last error).
public final class ScheduledInput {
    public let settings: InputSettings
    public let input: any Input
    /// Milliseconds between reads; nil for an input that delivers by itself.
    public private(set) var interval: Int64?
    private var due: Int64
    /// Keeps only the sensors the config selected (nil: all that were discovered).
    private let accept: ((String) -> Bool)?
    public private(set) var health = SensorHealthTable()

    /// The first read is due at `nowMonotonic`.
    public init(_ input: any Input, settings: InputSettings, interval: Int64?, nowMonotonic: Int64) {
        self.input = input
        self.settings = settings
        self.interval = interval.map { max(1, $0) }
        due = nowMonotonic
        accept = ScheduledInput.selection(include: settings.include, exclude: settings.exclude)
    }

    /// A polled input built in code (tests): `accept` filters its sensors.
    public init(_ input: any Input, interval: Int64, accept: ((String) -> Bool)? = nil, nowMonotonic: Int64 = 0) {
        self.input = input
        settings = InputSettings(type: "", interval: nil, options: InputOptions(typeName: ""))
        self.interval = max(1, interval)
        due = nowMonotonic
        self.accept = accept
    }

    /// A new interval: the next read is one new interval after the last.
    public func reschedule(interval new: Int64?) {
        guard new != interval else { return }
        if let old = interval, let new { due = due - old + max(1, new) }
        interval = new.map { max(1, $0) }
    }

    /// Monotonic ms by which `poll` should next be called.
    public func nextDeadline(nowMonotonic: Int64) -> Int64 {
        var next = min(interval == nil ? Int64.max : due, input.nextDeadline(nowMonotonic: nowMonotonic))
        if input.isBusy { next = min(next, nowMonotonic + InputSchedule.commandPollInterval) }
        return next
    }

    /// What arrived or finished, then a read if one is due.
    public func poll(nowWall: Int64, nowMonotonic: Int64) -> InputResult {
        var result = InputResult()
        if let arrived = input.collect(nowWall: nowWall, nowMonotonic: nowMonotonic) { add(arrived, to: &result) }
        if let interval, nowMonotonic >= due {
            // Skip missed periods after a stall instead of reading in a burst, and keep to
            // the input's phase, but never read again within half an interval: a late read
            // (a stall, an apply that took its time) followed by the one on time a millisecond
            // later stored the same value twice.
            let soonest = nowMonotonic + max(1, interval / 2)
            while due < soonest { due += interval }
            if let read = input.read(nowWall: nowWall, nowMonotonic: nowMonotonic) { add(read, to: &result) }
        }
        health.record(result, now: nowWall)
        return result
    }

    private func add(_ read: InputResult, to result: inout InputResult) {
        guard let accept else {
            result.readings += read.readings
            result.failures += read.failures
            return
        }
        result.readings += read.readings.filter { accept($0.sensor) }
        result.failures += read.failures.filter { accept($0.sensor) }
    }

    static func selection(include: [String], exclude: [String]) -> ((String) -> Bool)? {
        guard !include.isEmpty || !exclude.isEmpty else { return nil }
        let keep = include.map(SensorPattern.init), drop = exclude.map(SensorPattern.init)
        return { sensor in
            (keep.isEmpty || keep.contains { $0.matches(sensor) }) && !drop.contains { $0.matches(sensor) }
        }
    }
}
