import CairnCore

/// Linux hwmon channels under <sysfs>/class/hwmon/hwmon*/: every
/// `<kind><n>_input` with its `<kind><n>_label`, scaled from the kernel's
/// integer units to SI units (Documentation/hwmon/sysfs-interface).
public final class HwmonInput {
    public let sysfsRoot: String

    public init(sysfsRoot: String) {
        self.sysfsRoot = sysfsRoot
    }

    /// Kernel unit → (divisor, unit we report).
    static let kinds: [(prefix: String, divisor: Double, unit: String)] = [
        ("temp", 1000, "C"),          // millidegree Celsius
        ("in", 1000, "V"),            // millivolt
        ("fan", 1, "RPM"),
        ("power", 1_000_000, "W"),    // microwatt
        ("curr", 1000, "A"),          // milliampere
        ("humidity", 1000, "%RH"),    // milli-percent
        ("energy", 1_000_000, "J"),   // microjoule
    ]

    public func read(now: Int64, into readings: inout [Reading], failures: inout [String]) {
        for channel in discover() { channel.read(now: now, into: &readings, failures: &failures) }
    }

    /// Channels present right now; sensors that come and go are picked up on the next read.
    public func discover() -> [SensorChannel] {
        let base = "\(sysfsRoot)/class/hwmon"
        var channels: [SensorChannel] = []
        var seenChips: [String: Int] = [:]
        for entry in Files.list(base) {
            var directory = "\(base)/\(entry)"
            // Older drivers keep their attributes under device/.
            if Files.readValue("\(directory)/name") == nil, Files.exists("\(directory)/device/name") {
                directory += "/device"
            }
            var chip = Text.slug(Files.readValue("\(directory)/name") ?? entry)
            if chip.isEmpty { chip = entry }
            // Two chips with one driver name (two NVMe drives) get .2, .3 …
            let seen = (seenChips[chip] ?? 0) + 1
            seenChips[chip] = seen
            if seen > 1 { chip += ".\(seen)" }
            for file in Files.list(directory) {
                guard let (prefix, number) = HwmonInput.parseInputName(file),
                      let kind = HwmonInput.kinds.first(where: { $0.prefix == prefix }) else { continue }
                let label = Files.readValue("\(directory)/\(prefix)\(number)_label")
                channels.append(SensorChannel(
                    sensor: "hwmon/\(chip)/\(prefix)\(number)", label: label,
                    path: "\(directory)/\(file)", divisor: kind.divisor, unit: kind.unit))
            }
        }
        return channels
    }

    /// "temp12_input" → ("temp", "12").
    static func parseInputName(_ name: String) -> (String, String)? {
        guard name.hasSuffix("_input") else { return nil }
        let stem = Array(name.utf8.dropLast(6))
        var split = stem.count
        while split > 0 && stem[split - 1] >= 0x30 && stem[split - 1] <= 0x39 { split -= 1 }
        guard split > 0, split < stem.count else { return nil }
        return (String(decoding: stem[0..<split], as: UTF8.self), String(decoding: stem[split...], as: UTF8.self))
    }
}

/// A discovered sensor: how it is named and where its value is read.
public struct SensorChannel: Equatable {
    public let sensor: String
    public let label: String?
    public let path: String
    public let divisor: Double
    public let unit: String

    /// Reads the integer attribute and scales it; an unreadable or garbled
    /// value (a vanished device, a disabled zone's EINVAL) is a failure, not a stop.
    func read(now: Int64, into readings: inout [Reading], failures: inout [String]) {
        guard let text = Files.readValue(path), let raw = Numbers.parseDouble(text) else {
            failures.append(sensor)
            return
        }
        readings.append(Reading(sensor: sensor, label: label, value: raw / divisor, unit: unit, time: now))
    }
}

/// `{"type": "hwmon"}`: discovered channels, nothing to configure but interval and selection.
extension HwmonInput: DiscoveryInput {
    public static let typeName = "hwmon"

    public convenience init(context: InputContext) {
        self.init(sysfsRoot: context.sysfsRoot)
    }

    public func read(now: Int64, into result: inout InputResult) {
        SensorInputs.adopt(&result) { read(now: now, into: &$0, failures: &$1) }
    }
}
