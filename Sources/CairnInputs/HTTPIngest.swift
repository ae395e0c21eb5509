import CairnCore
import CairnHTTP

/// The HTTP ingest endpoint: `POST /readings` with one reading, an array of
/// them, or `{"readings": [...]}`:
///
///     {"sensor": "pump1/pressure", "value": 2.4, "unit": "bar", "time": 1790000000000}
///
/// `time` (ms since the epoch) is optional; the arrival time is used without it.
/// Sensor ids get the input's name as prefix ("http/pump1/pressure"). A request
/// is taken whole or not at all, and every refusal is a 4xx with a JSON body
/// saying what is wrong and where. Routing (404/405) and the token (401) are
/// CairnHTTP's `Router` and `TokenCheck`; the socket is an `HTTPListeners.Listener`'s.
public final class HTTPIngest {
    /// Handles into the agent's `MetricRegistry` (labelled with the input's name), with `Int64` views.
    public struct Counters {
        let accepted: MetricRegistry.Series
        let refused: MetricRegistry.Series
        let readings: MetricRegistry.Series
        public var lastError: String = ""

        init(_ metrics: MetricRegistry, input: String) {
            let requests = metrics.family("cairn_http_ingest_requests_total", help: "HTTP ingest requests, by input and result (accepted, or rejected with a 4xx).",
                                          kind: .counter, labels: ["input", "result"])
            accepted = requests.with([input, "accepted"])
            refused = requests.with([input, "rejected"])
            readings = metrics.family("cairn_http_ingest_readings_total", help: "Readings taken by HTTP ingest, by input.",
                                      kind: .counter, labels: ["input"]).with([input])
        }

        public var requestsAccepted: Int64 { Int64(accepted.value) }
        public var requestsRejected: Int64 { Int64(refused.value) }
        public var readingsAccepted: Int64 { Int64(readings.value) }
    }

    public static let path = "/readings"
    /// More readings than this in one request is a client bug, not a batch.
    public static let maxReadingsPerRequest = 10_000

    public let name: String
    /// `POST /readings` behind the token check, answered by `accept`.
    private var router = Router()
    private let unit: String
    /// The largest body accepted (the listener enforces it while this ingest serves it).
    public let maxBodyBytes: Int
    public private(set) var counters: Counters
    private var received: [Reading] = []
    private var silence: SilenceWatch

    /// `staleAfter`: ms without a reading after which a sensor seen here counts as failing (0: never).
    /// `metrics`: where its numbers are registered (the agent's registry; a private one by default).
    public init(name: String, token: String?, maxBodyBytes: Int, unit: String = "", staleAfter: Int64 = 0,
                metrics: MetricRegistry = MetricRegistry()) {
        self.name = name
        counters = Counters(metrics, input: name)
        self.unit = unit
        self.maxBodyBytes = maxBodyBytes
        silence = SilenceWatch(limit: staleAfter)
        // unowned(unsafe): the router is this ingest's own, so it never outlives it.
        router.on("POST", HTTPIngest.path, Handler { [unowned(unsafe) self] in self.accept($0) }.requiringToken(token))
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
            counters.refused.add()
            counters.lastError = "HTTP \(response.status) for \(request.method) \(request.path)"
            Log.debug("http ingest: \(request.method) \(request.path): \(response.status) \(response.body)")
        } else {
            counters.accepted.add()
        }
        return response
    }

    private func answer(_ request: HTTPRequest) -> HTTPResponse {
        HTTPServer.answer(request) { router.respond(to: $0) }
    }

    /// An authenticated `POST /readings`.
    private func accept(_ request: HTTPRequest) -> HTTPResponse {
        guard !request.bodyTooLarge else { return HTTPIngest.error(413, "body larger than the limit") }
        if let type = request.contentType, Text.slug(type) != "application_json", !Text.slug(type).hasPrefix("application_json_") {
            return HTTPIngest.error(415, "expected Content-Type application/json, not \(type)")
        }
        switch parse(request.body, now: Clock.wallMilliseconds()) {
        case .failure(let status, let message):
            return HTTPIngest.error(status, message)
        case .readings(let readings):
            received += readings
            counters.readings.add(Int64(readings.count))
            return HTTPResponse(status: 202, body: "{\"accepted\":\(readings.count)}\n")
        }
    }

    /// What a body is: readings taken whole, or a refusal (status and reason).
    public enum Parsed {
        case readings([Reading])
        case failure(Int, String)
    }

    /// A `POST /readings` body as readings, or why not (public for the fuzz target, docs/fuzzing.md).
    public func parse(_ body: [UInt8], now: Int64) -> Parsed {
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
        // Bytes: as Characters, "/" and a combining mark after it are one, and not "/".
        guard Reading.isValidSensorID(id), sensor.utf8.first != UInt8(ascii: "/"), sensor.utf8.last != UInt8(ascii: "/") else {
            return .failure("sensor \"\(sensor)\" must be printable, without spaces, '+', '#' or a leading or trailing '/'")
        }
        guard let value = item["value"], let number = Reading.value(from: value) else {
            return .failure("\"value\" (a number) is required")
        }
        var time = now
        let given = item["time"]
        if let given {
            guard let ms = given.integer, ms >= HTTPIngest.earliestTime, ms <= now + 86_400_000 else {
                return .failure("\"time\" must be milliseconds since 1970, after 2020 and not more than a day ahead")
            }
            time = ms
        }
        if let unit = item["unit"], unit.string == nil { return .failure("\"unit\" must be a string") }
        if let label = item["label"], label.string == nil { return .failure("\"label\" must be a string") }
        var reading = Reading(sensor: id, label: item["label"]?.string, value: number, unit: item["unit"]?.string ?? unit, time: time)
        reading.deviceClock = given != nil
        return .success(reading)
    }

    /// 2020-01-01T00:00:00Z: anything earlier is a device without a clock.
    static let earliestTime: Int64 = 1_577_836_800_000

    static func error(_ status: Int, _ message: String) -> HTTPResponse { .error(status, message) }
}
