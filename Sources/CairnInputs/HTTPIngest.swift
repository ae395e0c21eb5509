import CairnCore

/// The HTTP ingest endpoint: `POST /readings` with one reading, an array of
/// them, or `{"readings": [...]}`:
///
///     {"sensor": "pump1/pressure", "value": 2.4, "unit": "bar", "time": 1790000000000}
///
/// `time` (ms since the epoch) is optional; the arrival time is used without it.
/// Sensor ids get the input's name as prefix ("http/pump1/pressure"). A request
/// is taken whole or not at all, and every refusal is a 4xx with a JSON body
/// saying what is wrong and where. The socket is an `HTTPListeners.Listener`'s.
public final class HTTPIngest {
    public struct Counters: Equatable {
        public var requestsAccepted: Int64 = 0
        public var requestsRejected: Int64 = 0
        public var readingsAccepted: Int64 = 0
        public var lastError: String = ""
    }

    public static let path = "/readings"
    /// More readings than this in one request is a client bug, not a batch.
    public static let maxReadingsPerRequest = 10_000

    public let name: String
    private let token: String?
    private let unit: String
    /// The largest body accepted (the listener enforces it while this ingest serves it).
    public let maxBodyBytes: Int
    public private(set) var counters = Counters()
    private var received: [Reading] = []
    private var silence: SilenceWatch

    /// `staleAfter`: ms without a reading after which a sensor seen here counts as failing (0: never).
    public init(name: String, token: String?, maxBodyBytes: Int, unit: String = "", staleAfter: Int64 = 0) {
        self.name = name
        self.token = token
        self.unit = unit
        self.maxBodyBytes = maxBodyBytes
        silence = SilenceWatch(limit: staleAfter)
    }

    /// When a silent sensor is next due to be reported.
    public var nextSilence: Int64 { silence.nextDeadline }

    /// Readings accepted since the last call, and a failure for each sensor silent for `staleAfter`.
    public func take(nowMonotonic: Int64) -> InputResult {
        var taken = InputResult()
        taken.readings = received
        received.removeAll()
        for reading in taken.readings { silence.heard(reading.sensor, nowMonotonic: nowMonotonic) }
        silence.check(nowMonotonic: nowMonotonic, into: &taken)
        return taken
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        let response = answer(request)
        if response.status >= 400 {
            counters.requestsRejected += 1
            counters.lastError = "HTTP \(response.status) for \(request.method) \(request.path)"
            Log.debug("http ingest: \(request.method) \(request.path): \(response.status) \(response.body)")
        } else {
            counters.requestsAccepted += 1
        }
        return response
    }

    private func answer(_ request: HTTPRequest) -> HTTPResponse {
        guard request.path == HTTPIngest.path else { return HTTPIngest.error(404, "no such resource; POST readings to \(HTTPIngest.path)") }
        guard request.method == "POST" else {
            var response = HTTPIngest.error(405, "use POST")
            response.headers.append(("Allow", "POST"))
            return response
        }
        // Checked before the body is looked at: without the token, nothing about the request is parsed.
        if let token, !HTTPIngest.bearer(request.authorization, equals: token) {
            var response = HTTPIngest.error(401, "missing or wrong bearer token")
            response.headers.append(("WWW-Authenticate", "Bearer realm=\"cairn\""))
            return response
        }
        guard !request.bodyTooLarge else { return HTTPIngest.error(413, "body larger than the limit") }
        if let type = request.contentType, Text.slug(type) != "application_json", !Text.slug(type).hasPrefix("application_json_") {
            return HTTPIngest.error(415, "expected Content-Type application/json, not \(type)")
        }
        switch parse(request.body, now: Clock.wallMilliseconds()) {
        case .failure(let status, let message):
            return HTTPIngest.error(status, message)
        case .readings(let readings):
            received += readings
            counters.readingsAccepted += Int64(readings.count)
            return HTTPResponse(status: 202, body: "{\"accepted\":\(readings.count)}\n")
        }
    }

    enum Parsed {
        case readings([Reading])
        case failure(Int, String)
    }

    func parse(_ body: [UInt8], now: Int64) -> Parsed {
        let document: JSONValue
        do {
            document = try JSONParser.parse(String(decoding: body, as: UTF8.self), maxBytes: body.count + 1, maxDepth: 8)
        } catch {
            return .failure(400, "invalid JSON at \(error)")
        }
        var items: [JSONValue]
        if let array = document.array {
            items = array
        } else if let wrapped = document["readings"]?.array {
            items = wrapped
        } else {
            items = [document]
        }
        guard !items.isEmpty else { return .failure(400, "no readings") }
        guard items.count <= HTTPIngest.maxReadingsPerRequest else {
            return .failure(413, "\(items.count) readings in one request; at most \(HTTPIngest.maxReadingsPerRequest)")
        }
        var readings: [Reading] = []
        readings.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let at = items.count > 1 ? "reading \(index + 1): " : ""
            switch reading(from: item, now: now) {
            case .success(let reading): readings.append(reading)
            case .failure(let message): return .failure(422, at + message)
            }
        }
        return .readings(readings)
    }

    enum ItemResult {
        case success(Reading)
        case failure(String)
    }

    private func reading(from item: JSONValue, now: Int64) -> ItemResult {
        guard let members = item.members else { return .failure("expected an object, found \(item.kindName)") }
        for member in members where !["sensor", "value", "unit", "label", "time"].contains(member.key) {
            return .failure("unknown member \"\(member.key)\"")
        }
        guard let sensor = item["sensor"]?.string, !sensor.isEmpty else { return .failure("\"sensor\" (a non-empty string) is required") }
        let id = "\(name)/\(sensor)"
        guard Reading.isValidSensorID(id), !sensor.hasPrefix("/"), !sensor.hasSuffix("/") else {
            return .failure("sensor \"\(sensor)\" must be printable, without spaces, '+', '#' or a leading or trailing '/'")
        }
        guard let value = item["value"], let number = Reading.value(from: value) else {
            return .failure("\"value\" (a number) is required")
        }
        var time = now
        if let given = item["time"] {
            guard let ms = given.integer, ms >= HTTPIngest.earliestTime, ms <= now + 86_400_000 else {
                return .failure("\"time\" must be milliseconds since 1970, after 2020 and not more than a day ahead")
            }
            time = ms
        }
        if let unit = item["unit"], unit.string == nil { return .failure("\"unit\" must be a string") }
        if let label = item["label"], label.string == nil { return .failure("\"label\" must be a string") }
        return .success(Reading(sensor: id, label: item["label"]?.string, value: number, unit: item["unit"]?.string ?? unit, time: time))
    }

    /// 2020-01-01T00:00:00Z: anything earlier is a device without a clock.
    static let earliestTime: Int64 = 1_577_836_800_000

    static func error(_ status: Int, _ message: String) -> HTTPResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error"); writer.string(message)
        writer.endObject()
        return HTTPResponse(status: status, body: writer.text + "\n")
    }

    /// "Bearer <token>", compared in constant time so the answer's timing says nothing about the token.
    static func bearer(_ header: String?, equals token: String) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.utf8.dropFirst(7)), wanted = Array(token.utf8)
        var difference = UInt8(given.count == wanted.count ? 0 : 1)
        for index in 0..<wanted.count {
            difference |= wanted[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}
