import CairnCore

/// One rule's state for one sensor: idle, pending (breaching, waiting out the
/// minimum duration) or raised.
struct AlarmState {
    /// Wall time the current breach began; nil when not breaching.
    var breachSince: Int64?
    var raised = false
    /// The last value seen, reported when a tick raises the alarm.
    var lastValue = 0.0

    /// Feeds one reading; returns a transition when the alarm raises or clears.
    mutating func observe(_ value: Double, at time: Int64, rule: AlarmRule) -> Bool? {
        lastValue = value
        if raised {
            if rule.clears(value) {
                raised = false
                breachSince = nil
                return false
            }
            return nil
        }
        guard rule.breaches(value) else {
            breachSince = nil
            return nil
        }
        if breachSince == nil || time < breachSince! { breachSince = time }
        return checkDuration(now: time, rule: rule)
    }

    /// Raises a pending alarm once its minimum duration has passed, even when
    /// no new reading comes (a deadband upstream passes only changes).
    mutating func checkDuration(now: Int64, rule: AlarmRule) -> Bool? {
        guard !raised, let since = breachSince, now - since >= rule.minimumDuration else { return nil }
        raised = true
        return true
    }
}
