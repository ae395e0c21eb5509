import CairnCore

/// The rules shared by inputs whose readings arrive from devices (MQTT, HTTP):
/// what counts as a value, and which sensor ids are acceptable.
extension Reading {
    /// A finite JSON number, or a boolean as 1/0; nil for anything else.
    static func value(from json: JSONValue) -> Double? {
        if let number = json.number, number.isFinite { return number }
        if let flag = json.bool { return flag ? 1 : 0 }
        return nil
    }

    /// Sensor ids end up in JSON and status; keep them printable and wildcard-free.
    static func isValidSensorID(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 256 else { return false }
        return !id.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") || $0 == 0x7f }
    }
}
