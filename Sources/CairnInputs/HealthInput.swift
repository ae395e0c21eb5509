import CairnCore

/// Gateway health from procfs and the data directory's filesystem.
public final class HealthInput {
    public let procRoot: String
    public let dataDirectory: String

    public init(procRoot: String, dataDirectory: String) {
        self.procRoot = procRoot
        self.dataDirectory = dataDirectory
    }

    public func read(now: Int64, into readings: inout [Reading], failures: inout [String]) {
        func add(_ name: String, _ value: Double, _ unit: String) {
            readings.append(Reading(sensor: "health/\(name)", value: value, unit: unit, time: now))
        }
        if let load = Files.readValue("\(procRoot)/loadavg") {
            let fields = load.split(separator: " ")
            let names = ["load1", "load5", "load15"]
            for i in 0..<3 where i < fields.count {
                if let value = Numbers.parseDouble(fields[i]) { add(names[i], value, "") }
            }
        } else {
            failures.append("health/load")
        }
        if let memory = Files.read("\(procRoot)/meminfo", limit: 64 * 1024) {
            let total = HealthInput.meminfoBytes(memory, "MemTotal")
            let available = HealthInput.meminfoBytes(memory, "MemAvailable")
            if let total { add("mem_total", total, "B") }
            if let available { add("mem_available", available, "B") }
            if let total, let available, total > 0 {
                add("mem_used_percent", ((total - available) / total * 1000).rounded() / 10, "%")
            }
        } else {
            failures.append("health/memory")
        }
        if let uptime = Files.readValue("\(procRoot)/uptime"),
           let first = uptime.split(separator: " ").first, let seconds = Numbers.parseDouble(first) {
            add("uptime", seconds, "s")
        } else {
            failures.append("health/uptime")
        }
        if let free = Files.freeBytes(dataDirectory) {
            add("disk_free", Double(free), "B")
        } else {
            failures.append("health/disk_free")
        }
    }

    /// A `Key:   123 kB` line of /proc/meminfo, in bytes.
    static func meminfoBytes(_ text: String, _ key: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let value = Numbers.parseDouble(fields[1]) else { return nil }
            return fields.count >= 3 && fields[2] == "kB" ? value * 1024 : value
        }
        return nil
    }
}

/// `{"type": "health"}`: discovered channels, nothing to configure but interval and selection.
extension HealthInput: DiscoveryInput {
    public static let typeName = "health"

    public convenience init(context: InputContext) {
        self.init(procRoot: context.procRoot, dataDirectory: context.dataDirectory)
    }

    public func read(now: Int64, into result: inout InputResult) {
        SensorInputs.adopt(&result) { read(now: now, into: &$0, failures: &$1) }
    }
}
