import CairnCore

/// All alarm rules against all sensors: each (rule, sensor) pair matching the
/// rule's pattern has its own state, created on the sensor's first reading.
public struct RuleSet {
    struct Entry {
        let rule: Int
        let sensor: String
        var state = AlarmState()
    }

    public private(set) var rules: [AlarmRule]
    /// One per (rule, sensor) pair, in creation order so ticks report in a stable order.
    private var entries: [Entry] = []
    /// Sensor id → its entries (decided once per sensor, again after a reconfiguration).
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

    /// Takes new rules. The state of a rule that did not change (pending
    /// breach, raised alarm) is kept; an alarm raised under a rule that was
    /// removed or changed is cleared (`emit`, with the reason) and the changed
    /// rule starts fresh. Returns the names of the rules added, changed or removed.
    @discardableResult
    public mutating func reconfigure(_ new: [AlarmRule], now: Int64, emit: (AlarmTransition) -> Void) -> [String] {
        var kept: [Entry] = []
        for entry in entries {
            let old = rules[entry.rule]
            if let same = new.firstIndex(where: { $0 == old }) {
                kept.append(Entry(rule: same, sensor: entry.sensor, state: entry.state))
            } else if entry.state.raised {
                let reason = new.contains { $0.name == old.name } ? "rule changed" : "rule removed"
                emit(AlarmTransition(rule: old, sensor: entry.sensor, raised: false, value: entry.state.lastValue, time: now, reason: reason))
            }
        }
        var changed = new.filter { rule in !rules.contains(rule) }.map { $0.name }
        changed += rules.filter { rule in !new.contains { $0.name == rule.name } }.map { $0.name }
        rules = new
        entries = kept
        slots = [:]
        return changed
    }

    private mutating func instantiate(for sensor: String) -> [Int] {
        var found: [Int] = []
        for ruleIndex in rules.indices where rules[ruleIndex].pattern.matches(sensor) {
            // Kept across a reconfiguration: the pair's state is already there.
            if let existing = entries.firstIndex(where: { $0.rule == ruleIndex && $0.sensor == sensor }) {
                found.append(existing)
                continue
            }
            found.append(entries.count)
            entries.append(Entry(rule: ruleIndex, sensor: sensor))
        }
        slots[sensor] = found
        return found
    }
}
