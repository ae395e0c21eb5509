/// A CloudEvents 1.0 event in structured JSON mode (application/cloudevents+json).
/// `id` is unique per `source` (the device's event sequence), so consumers can
/// use source + id as an idempotency key.
public struct CloudEvent {
    /// e.g. "io.cairn.alarm.raised", "io.cairn.queue.evicted".
    public var type: String
    /// e.g. "cairn/gw-7" (a URI-reference naming the device).
    public var source: String
    public var id: String
    /// Wall time in milliseconds since the Unix epoch; written as RFC 3339.
    public var time: Int64
    /// What the event is about, e.g. the sensor id.
    public var subject: String?
    /// The event's data, a JSON object.
    public var data: JSONValue

    public init(type: String, source: String, id: String, time: Int64, subject: String? = nil, data: JSONValue) {
        self.type = type
        self.source = source
        self.id = id
        self.time = time
        self.subject = subject
        self.data = data
    }

    public static let contentType = "application/cloudevents+json"

    /// The members other than `id` and `time`, as stored in the queue: the
    /// uplink adds the id (the record's sequence number) and the time (which
    /// may be corrected while the event waits) when it sends.
    public var fragment: String {
        var w = JSONWriter(reservingCapacity: 256)
        w.beginObject()
        w.key("specversion"); w.string("1.0")
        w.key("type"); w.string(type)
        w.key("source"); w.string(source)
        if let subject { w.key("subject"); w.string(subject) }
        w.key("datacontenttype"); w.string("application/json")
        w.key("data"); w.value(data)
        w.endObject()
        return String(decoding: w.bytes.dropFirst().dropLast(), as: UTF8.self)
    }

    /// The complete event, `{"id":…,"time":…,<fragment>}`.
    public static func render(fragment: String, id: String, time: Int64) -> String {
        var w = JSONWriter(reservingCapacity: fragment.utf8.count + 64)
        w.beginObject()
        w.key("id"); w.string(id)
        w.key("time"); w.string(Clock.rfc3339(time))
        w.raw(fragment)
        w.endObject()
        return w.text
    }

    public func json() -> String {
        CloudEvent.render(fragment: fragment, id: id, time: time)
    }
}
