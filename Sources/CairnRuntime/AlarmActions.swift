import CairnCore
import CairnInputs
import CairnPipeline

/// A rule's local actions: a program run with the alarm in its environment,
/// or a message published on the southbound (LAN) broker.
extension SensorRuntime {
    func runActions(for transition: AlarmTransition, nowMonotonic: Int64) {
        for (index, action) in (actions[transition.rule.name] ?? []).enumerated() where action.wanted(raised: transition.raised) {
            let rule = transition.rule
            if action.kind == .publish {
                publish(action, for: transition)
                continue
            }
            let environment = [
                "CAIRN_ALARM_RULE=\(rule.name)", "CAIRN_ALARM_SENSOR=\(transition.sensor)",
                "CAIRN_ALARM_STATE=\(transition.raised ? "raised" : "cleared")",
                "CAIRN_ALARM_VALUE=\(Numbers.format(transition.value))",
                "CAIRN_ALARM_THRESHOLD=\(Numbers.format(rule.threshold))", "CAIRN_ALARM_SEVERITY=\(rule.severity.rawValue)",
            ]
            // One action of one alarm runs its transitions in order.
            let key = "\(rule.name)\u{0}\(transition.sensor)\u{0}\(index)"
            if let problem = background.start(key: key, label: "\(rule.name)/\(transition.raised ? "raised" : "cleared")", arguments: action.run,
                                              environment: environment, timeout: Int64(action.timeout * 1000), nowMonotonic: nowMonotonic) {
                Log.warning("alarm \(rule.name) action not started: \(problem)")
            }
        }
    }

    /// A publish action on the southbound broker: the payload template filled
    /// in, or the alarm as a JSON object. Queued for the reconnect when the broker is away.
    private func publish(_ action: ActionSettings, for transition: AlarmTransition) {
        guard let southbound else { return }
        let rule = transition.rule
        let state = transition.raised ? "raised" : "cleared"
        let payload: String
        if let template = action.payload {
            let values = [
                "rule": rule.name, "sensor": transition.sensor, "state": state, "value": Numbers.format(transition.value),
                "threshold": Numbers.format(rule.threshold), "severity": rule.severity.rawValue,
            ]
            payload = Text.fill(template) { values[String($0)] }
        } else {
            var w = JSONWriter()
            w.beginObject()
            w.key("rule"); w.string(rule.name)
            w.key("sensor"); w.string(transition.sensor)
            w.key("state"); w.string(state)
            w.key("value"); w.number(transition.value)
            w.key("threshold"); w.number(rule.threshold)
            w.key("severity"); w.string(rule.severity.rawValue)
            w.key("time"); w.string(Clock.rfc3339(transition.time))
            w.endObject()
            payload = w.text
        }
        southbound.publish(topic: action.topic, payload: Array(payload.utf8), qos: Int32(action.qos), retain: action.retain)
        Log.info("alarm \(rule.name) \(state): published to \(action.topic)")
    }
}
