import CairnCore
import CairnInputs

/// The HTTP ingest body parser (`HTTPIngest.parse(_:now:)`, what a
/// `POST /readings` body becomes: readings taken whole, or a refusal) on
/// arbitrary bytes, for an input named `plc`. Beyond not crashing:
/// - a refusal is 400 (not JSON), 413 (over 10,000 readings) or 422 (a reading
///   that is not valid) with a reason; 400 exactly when the body is not JSON
///   nested at most 8 levels, or has no items;
/// - accepted: one reading per item (the body's array, its `readings` array, or
///   the body itself), at least one and at most `maxReadingsPerRequest`, each
///   with a valid id `plc/<sensor>` (`FuzzCheck.sensorIDProblem`, no leading or
///   trailing `/` in the sensor; an empty level inside, "a//b", is accepted:
///   nothing promises otherwise), a finite value, and the arrival time or a
///   given one after 2020 and at most a day ahead.
public enum HTTPIngestTarget {
    static let now: Int64 = 1_790_000_000_000
    static let ingest = HTTPIngest(name: "plc", token: nil, maxBodyBytes: 64 * 1024)

    public static func check(_ bytes: [UInt8]) -> String? {
        let document = try? JSONParser.parse(String(decoding: bytes, as: UTF8.self), maxBytes: bytes.count + 1, maxDepth: 8)
        let items = document.map { $0.array ?? $0["readings"]?.array ?? [$0] } ?? []
        switch ingest.parse(bytes, now: now) {
        case .failure(let status, let message):
            if message.isEmpty { return "a \(status) refusal without a reason" }
            if ![400, 413, 422].contains(status) { return "refused with status \(status): \(message)" }
            if (status == 400) != items.isEmpty { return "status \(status) for a body of \(items.count) item(s): \(message)" }
        case .readings(let readings):
            guard document != nil else { return "took \(readings.count) reading(s) from a body that is not JSON" }
            if readings.count != items.count { return "\(items.count) item(s) gave \(readings.count) reading(s)" }
            if readings.isEmpty || readings.count > HTTPIngest.maxReadingsPerRequest { return "took \(readings.count) readings" }
            for reading in readings {
                if let problem = FuzzCheck.readingProblem(reading, now: reading.time, emptyLevels: true) { return problem }
                // Bytes, not Characters: "/" and a combining mark after it are one Character.
                let id = Array(reading.sensor.utf8)
                if !id.starts(with: Array("plc/".utf8)) || id.starts(with: Array("plc//".utf8)) || id.last == UInt8(ascii: "/") {
                    return "sensor \"\(reading.sensor)\" is not plc/<sensor>"
                }
                if reading.time != now && (reading.time < 1_577_836_800_000 || reading.time > now + 86_400_000) {
                    return "reading \(reading.sensor) at \(reading.time), outside 2020 … a day ahead"
                }
            }
        }
        return nil
    }
}
