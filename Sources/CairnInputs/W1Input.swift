import CairnCore

/// 1-Wire temperature sensors (DS18B20 and its family) under
/// <sysfs>/bus/w1/devices/<family>-<serial>/. Newer kernels offer
/// `temperature` (m°C); otherwise `w1_slave` holds the scratchpad with the
/// driver's CRC verdict on the first line ("crc=57 YES") and the value on the
/// second ("t=23125"). A "NO" means the bus delivered garbage: a failed read.
public final class W1Input {
    public let sysfsRoot: String

    /// Family codes of the thermometers: DS18S20, DS1822, DS18B20, DS1825, DS28EA00.
    static let thermometerFamilies = ["10-", "22-", "28-", "3b-", "42-"]

    public init(sysfsRoot: String) {
        self.sysfsRoot = sysfsRoot
    }

    public func read(now: Int64, into result: inout InputResult) {
        for channel in discover() {
            switch W1Input.temperature(at: channel.path) {
            case .success(let milli):
                result.readings.append(Reading(sensor: channel.sensor, value: milli / 1000, unit: "C", time: now))
            case .failure(let problem):
                result.fail(channel.sensor, problem.reason)
            }
        }
    }

    public func discover() -> [SensorChannel] {
        let base = "\(sysfsRoot)/bus/w1/devices"
        var channels: [SensorChannel] = []
        for entry in Files.list(base) where W1Input.thermometerFamilies.contains(where: { entry.hasPrefix($0) }) {
            let directory = "\(base)/\(entry)"
            let path = Files.exists("\(directory)/temperature") ? "\(directory)/temperature" : "\(directory)/w1_slave"
            channels.append(SensorChannel(sensor: "w1/\(Text.slug(entry))", label: nil, path: path, divisor: 1000, unit: "C"))
        }
        return channels
    }

    public struct Problem: Error, Equatable {
        public let reason: String
    }

    /// Milli-degrees from either file format.
    static func temperature(at path: String) -> Result<Double, Problem> {
        guard let text = Files.read(path, limit: 4096) else { return .failure(Problem(reason: "cannot read \(path)")) }
        guard path.hasSuffix("w1_slave") else {
            guard let value = Numbers.parseDouble(Text.trimmed(text)) else { return .failure(Problem(reason: "not a number in \(path)")) }
            return .success(value)
        }
        return parseSlave(text)
    }

    static func parseSlave(_ text: String) -> Result<Double, Problem> {
        let lines = text.split(separator: "\n").map { Text.trimmed($0) }
        guard lines.count >= 2, lines[0].hasSuffix("YES") || lines[0].hasSuffix("NO") else {
            return .failure(Problem(reason: "w1_slave is not in the expected format"))
        }
        guard lines[0].hasSuffix("YES") else { return .failure(Problem(reason: "CRC check failed")) }
        guard let marker = lines[1].utf8.lastIndex(of: UInt8(ascii: "=")),
              lines[1].utf8[..<marker].last == UInt8(ascii: "t"),
              let value = Numbers.parseDouble(lines[1][lines[1].utf8.index(after: marker)...]) else {
            return .failure(Problem(reason: "no t= value in w1_slave"))
        }
        return .success(value)
    }
}

/// `{"type": "w1"}`: discovered channels, nothing to configure but interval and selection.
extension W1Input: DiscoveryInput {
    public static let typeName = "w1"

    public convenience init(context: InputContext) {
        self.init(sysfsRoot: context.sysfsRoot)
    }
}
