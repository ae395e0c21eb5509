import CSystem
import CairnControl
import CairnCore
import CairnQueue

/// The retained `<prefix>/meta` document: what this gateway is and runs.
/// Rebuilt after each read and published only when it differs (not on a timer).
struct MetaDocument {
    struct Sensor: Equatable {
        let id: String
        let unit: String
        let label: String?
        let healthy: Bool
    }

    static func kernel() -> String {
        // Formatted in C: Swift reads one NUL-terminated string from its own buffer
        // instead of rebinding utsname's char arrays (docs/c-boundary.md).
        var buffer = [CChar](repeating: 0, count: 256)
        guard cairn_kernel_description(&buffer, Int32(buffer.count)) >= 0 else { return "" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    static func render(config: Configuration, kernel: String, bootTime: Int64?, sensors: [Sensor]) -> String {
        var w = JSONWriter(reservingCapacity: 256 + sensors.count * 64)
        w.beginObject()
        w.key("device"); w.string(config.agent.deviceID)
        w.key("agent")
        w.beginObject()
        w.key("version"); w.string(BuildInfo.version)
        w.key("arch"); w.string(BuildInfo.architecture)
        w.key("libc"); w.string(BuildInfo.libc)
        w.endObject()
        w.key("kernel"); w.string(kernel)
        if let bootTime { w.key("boot_time"); w.string(Clock.rfc3339(bootTime)) }
        w.key("config_version"); w.string(config.origin.version)
        w.key("sensors")
        w.beginArray()
        for sensor in sensors {
            w.beginObject()
            w.key("id"); w.string(sensor.id)
            w.key("unit"); w.string(sensor.unit)
            if let label = sensor.label { w.key("label"); w.string(label) }
            w.key("health"); w.string(sensor.healthy ? "ok" : "failing")
            w.endObject()
        }
        w.endArray()
        w.key("queue")
        w.beginObject()
        w.key("budget_bytes"); w.integer(config.queue.budgetBytes)
        w.key("overflow"); w.string(config.queue.overflow.rawValue)
        w.key("durability"); w.string(config.queue.durability.rawValue)
        w.key("max_age_seconds")
        w.beginObject()
        for (index, name) in ["events", "metadata", "telemetry"].enumerated() {
            w.key(name); w.number(Double(config.queue.maxAge[index]) / 1000)
        }
        w.endObject()
        w.endObject()
        w.endObject()
        return w.text
    }
}
