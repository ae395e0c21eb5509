import CairnCore

/// All alarm rules against all sensors: each (rule, sensor) pair matching the
/// rule's pattern has its own state, created on the sensor's first reading.
public struct RuleSet {
    struct Entry {
        let rule: Int
        let sensor: String
        var state = AlarmState()
    }

    public let rules: [AlarmRule]
    /// One per (rule, sensor) pair, in creation order so ticks report in a stable order.
    private var entries: [Entry] = []
    /// Sensor id → its entries (decided once per sensor).
    private var slots: [String: [Int]] = [:]

    public init(_ rules: [AlarmRule] = []) {
        self.rules = rules
    }

    /// Evaluates a reading against every rule matching its sensor.
    public mutating func evaluate(_ reading: Reading, emit: (AlarmTransition) -> Void) {
        // A value flagged out of range is a sensor fault, not a process condition.
        guard !rules.isEmpty, reading.quality == .good else { return }
        for slot in slots[reading.sensor] ?? instantiate(for: reading.sensor) {
            let rule = rules[entries[slot].rule]
            if let raised = entries[slot].state.observe(reading.value, at: reading.time, rule: rule) {
                emit(AlarmTransition(rule: rule, sensor: reading.sensor, raised: raised,
                                     value: reading.value, time: reading.time))
            }
        }
    }

    /// Raises pending alarms whose minimum duration has passed by `now` (wall ms).
    public mutating func tick(now: Int64, emit: (AlarmTransition) -> Void) {
        for slot in entries.indices {
            let rule = rules[entries[slot].rule]
            if entries[slot].state.checkDuration(now: now, rule: rule) == true {
                emit(AlarmTransition(rule: rule, sensor: entries[slot].sensor, raised: true,
                                     value: entries[slot].state.lastValue, time: now))
            }
        }
    }

    /// Alarms currently raised, as (rule name, sensor).
    public var active: [(rule: String, sensor: String)] {
        entries.filter { $0.state.raised }.map { (rules[$0.rule].name, $0.sensor) }
    }

    private mutating func instantiate(for sensor: String) -> [Int] {
        var found: [Int] = []
        for ruleIndex in rules.indices where rules[ruleIndex].pattern.matches(sensor) {
            found.append(entries.count)
            entries.append(Entry(rule: ruleIndex, sensor: sensor))
        }
        slots[sensor] = found
        return found
    }
}
