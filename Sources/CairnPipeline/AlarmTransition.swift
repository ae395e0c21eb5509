import CairnCore

/// An alarm raised or cleared: what rule, on which sensor, at what value.
public struct AlarmTransition: Equatable {
    public let rule: AlarmRule
    public let sensor: String
    public let raised: Bool
    public let value: Double
    public let time: Int64
    /// Why an alarm cleared other than by its value ("rule removed" on a reconfiguration); nil normally.
    public let reason: String?

    public init(rule: AlarmRule, sensor: String, raised: Bool, value: Double, time: Int64, reason: String? = nil) {
        self.rule = rule
        self.sensor = sensor
        self.raised = raised
        self.value = value
        self.time = time
        self.reason = reason
    }

    public var eventType: String { raised ? "io.cairn.alarm.raised" : "io.cairn.alarm.cleared" }

    /// The CloudEvent sent upstream; `id` must be unique per `source`.
    public func event(source: String, id: String) -> CloudEvent {
        let r = rule
        var data: [JSONMember] = [
            JSONMember(key: "rule", value: .string(r.name)),
            JSONMember(key: "sensor", value: .string(sensor)),
            JSONMember(key: "state", value: .string(raised ? "raised" : "cleared")),
            JSONMember(key: "value", value: .number(value)),
            JSONMember(key: "direction", value: .string(r.direction == .above ? "above" : "below")),
            JSONMember(key: "threshold", value: .number(r.threshold)),
            JSONMember(key: "clear", value: .number(r.clear)),
            JSONMember(key: "severity", value: .string(r.severity.rawValue)),
        ]
        if let reason {
            data.append(JSONMember(key: "reason", value: .string(reason)))
        }
        if r.minimumDuration > 0 {
            data.append(JSONMember(key: "duration", value: .number(Double(r.minimumDuration) / 1000)))
        }
        return CloudEvent(type: eventType, source: source, id: id, time: time, subject: sensor, data: .object(data))
    }
}
