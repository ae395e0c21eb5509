import CMosquitto

/// A libmosquitto result code (mosq_err_t) or a refused CONNACK, with the library's text.
public struct MQTTError: Error, CustomStringConvertible {
    public let code: Int32
    public let message: String

    public init(code: Int32) {
        self.code = code
        self.message = String(cString: mosquitto_strerror(code))
    }

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// The text of an MQTT 5 reason code (CONNACK, PUBACK, SUBACK).
    public static func reasonText(_ code: Int32) -> String {
        String(cString: mosquitto_reason_string(code))
    }

    public var description: String { "\(message) (mosquitto error \(code))" }
}
