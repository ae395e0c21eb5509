import CairnCore

/// Thermal zones under <sysfs>/class/thermal/thermal_zone*/ (`type`, `temp` in m°C).
public final class ThermalInput {
    public let sysfsRoot: String

    public init(sysfsRoot: String) {
        self.sysfsRoot = sysfsRoot
    }

    public func read(now: Int64, into readings: inout [Reading], failures: inout [String]) {
        for channel in discover() { channel.read(now: now, into: &readings, failures: &failures) }
    }

    public func discover() -> [SensorChannel] {
        let base = "\(sysfsRoot)/class/thermal"
        var channels: [SensorChannel] = []
        var seen: [String: Int] = [:]
        for entry in Files.list(base) where entry.hasPrefix("thermal_zone") {
            let type = Files.readValue("\(base)/\(entry)/type")
            var name = Text.slug(type ?? entry)
            if name.isEmpty { name = entry }
            let count = (seen[name] ?? 0) + 1
            seen[name] = count
            if count > 1 { name += ".\(count)" }
            channels.append(SensorChannel(sensor: "thermal/\(name)", label: type,
                                          path: "\(base)/\(entry)/temp", divisor: 1000, unit: "C"))
        }
        return channels
    }
}

/// `{"type": "thermal"}`: discovered channels, nothing to configure but interval and selection.
extension ThermalInput: DiscoveryInput {
    public static let typeName = "thermal"

    public convenience init(context: InputContext) {
        self.init(sysfsRoot: context.sysfsRoot)
    }

    public func read(now: Int64, into result: inout InputResult) {
        SensorInputs.adopt(&result) { read(now: now, into: &$0, failures: &$1) }
    }
}
