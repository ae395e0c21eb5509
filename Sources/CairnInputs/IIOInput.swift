import CairnCore

/// Industrial I/O devices under <sysfs>/bus/iio/devices/iio:device*/ (ADCs,
/// environmental and motion sensors). Per the kernel ABI
/// (Documentation/ABI/testing/sysfs-bus-iio) a channel's value is
/// (in_<chan>_raw + in_<chan>_offset) × in_<chan>_scale, where scale and offset
/// may also be shared by the channel type (in_voltage_scale); a driver that
/// converts itself offers in_<chan>_input instead, already in those units.
/// Values are then brought from the ABI's units (mV, m°C, …) to SI units.
public final class IIOInput {
    public let sysfsRoot: String

    public init(sysfsRoot: String) {
        self.sysfsRoot = sysfsRoot
    }

    /// Channel type → (divisor from the ABI unit, unit reported).
    static let types: [String: (divisor: Double, unit: String)] = [
        "voltage": (1000, "V"), "current": (1000, "A"), "power": (1000, "W"),
        "temp": (1000, "C"), "humidityrelative": (1000, "%RH"), "pressure": (1, "kPa"),
        "illuminance": (1, "lx"), "accel": (1, "m/s^2"), "anglvel": (1, "rad/s"),
        "magn": (1, "G"), "resistance": (1, "ohm"), "distance": (1, "m"),
        "concentration": (1, "%"), "proximity": (1, ""), "intensity": (1, ""),
    ]

    public func read(now: Int64, into result: inout InputResult) {
        for channel in discover() {
            guard let value = value(of: channel) else {
                result.fail(channel.sensor, "cannot read \(channel.path)")
                continue
            }
            result.readings.append(Reading(sensor: channel.sensor, label: channel.label,
                                           value: value / channel.divisor, unit: channel.unit, time: now))
        }
    }

    /// (raw + offset) × scale for `_raw` channels; the value itself for `_input`.
    func value(of channel: SensorChannel) -> Double? {
        guard let text = Files.readValue(channel.path), let raw = Numbers.parseDouble(text) else { return nil }
        guard channel.path.hasSuffix("_raw") else { return raw }
        let stem = String(channel.path.dropLast(4))
        let directory = String(stem[..<stem.lastIndex(of: "/")!])
        let name = String(stem[stem.index(after: stem.lastIndex(of: "/")!)...])
        let type = "in_" + IIOInput.channelType(String(name.dropFirst(3)))
        let scale = number("\(stem)_scale") ?? number("\(directory)/\(type)_scale") ?? 1
        let offset = number("\(stem)_offset") ?? number("\(directory)/\(type)_offset") ?? 0
        return (raw + offset) * scale
    }

    private func number(_ path: String) -> Double? {
        Files.readValue(path).flatMap { Numbers.parseDouble($0) }
    }

    public func discover() -> [SensorChannel] {
        let base = "\(sysfsRoot)/bus/iio/devices"
        var channels: [SensorChannel] = []
        var seen: [String: Int] = [:]
        for entry in Files.list(base) where entry.hasPrefix("iio:device") {
            let directory = "\(base)/\(entry)"
            let deviceName = Files.readValue("\(directory)/name")
            var device = Text.slug(deviceName ?? entry)
            if device.isEmpty { device = Text.slug(entry) }
            let count = (seen[device] ?? 0) + 1
            seen[device] = count
            if count > 1 { device += ".\(count)" }
            let files = Files.list(directory)
            for file in files where file.hasPrefix("in_") {
                let isInput = file.hasSuffix("_input")
                guard isInput || file.hasSuffix("_raw") else { continue }
                let channel = String(file.dropFirst(3).dropLast(isInput ? 6 : 4))
                // A processed value wins over the raw one of the same channel.
                if !isInput && files.contains("in_\(channel)_input") { continue }
                let type = IIOInput.types[IIOInput.channelType(channel)] ?? (1, "")
                channels.append(SensorChannel(sensor: "iio/\(device)/\(Text.slug(channel))", label: deviceName,
                                              path: "\(directory)/\(file)", divisor: type.divisor, unit: type.unit))
            }
        }
        return channels
    }

    /// "voltage0" → "voltage", "accel_x" → "accel", "voltage0-voltage1" → "voltage".
    static func channelType(_ channel: String) -> String {
        var out: [UInt8] = []
        for byte in channel.utf8 {
            guard byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") else { break }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// `{"type": "iio"}`: discovered channels, nothing to configure but interval and selection.
extension IIOInput: DiscoveryInput {
    public static let typeName = "iio"

    public convenience init(context: InputContext) {
        self.init(sysfsRoot: context.sysfsRoot)
    }
}
