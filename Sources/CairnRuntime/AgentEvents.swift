import CairnCore
import CairnQueue

/// Agent events (CloudEvents) go through the queue like everything else, so
/// they survive outages and restarts and are sent before telemetry.
struct AgentEvents {
    var source: String
    let queue: DurableQueue
    let bootID: String

    /// Queues an event; returns false when it could not be stored (disk full),
    /// so the caller can try to report it again later.
    /// `reporting`: the queue losses this event reports (see DurableQueue.append).
    @discardableResult
    func emit(_ type: String, subject: String? = nil, stamp: RecordStamp, data: [JSONMember], reporting: LossCounters? = nil) -> Bool {
        let event = CloudEvent(type: "io.cairn.\(type)", source: source, id: "", time: stamp.wall,
                               subject: subject, data: .object(data))
        do {
            try queue.append([PendingRecord(stream: .events, stamp: stamp, fragment: event.fragment)], reporting: reporting)
            Log.info("event \(event.type)\(subject.map { " (\($0))" } ?? "")")
            return true
        } catch {
            Log.error("cannot queue event \(event.type): \(error)")
            return false
        }
    }
}

extension JSONMember {
    static func number(_ key: String, _ value: Int64) -> JSONMember { JSONMember(key: key, value: .number(Double(value))) }
    static func text(_ key: String, _ value: String) -> JSONMember { JSONMember(key: key, value: .string(value)) }
}
