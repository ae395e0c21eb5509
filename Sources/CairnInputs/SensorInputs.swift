import CairnCore

/// The inputs the agent reads each interval, and the failures of the last read.
/// Concrete fields, not an array of existentials: Embedded Swift dispatches statically.
public struct SensorInputs {
    public let hwmon: HwmonInput
    public let thermal: ThermalInput
    public let health: HealthInput

    public init(sysfsRoot: String, procRoot: String, dataDirectory: String) {
        hwmon = HwmonInput(sysfsRoot: sysfsRoot)
        thermal = ThermalInput(sysfsRoot: sysfsRoot)
        health = HealthInput(procRoot: procRoot, dataDirectory: dataDirectory)
    }

    /// Reads everything once. A sensor that fails is named in `failures`
    /// and skipped; it never stops the others.
    public func readAll(now: Int64) -> (readings: [Reading], failures: [String]) {
        var readings: [Reading] = []
        var failures: [String] = []
        hwmon.read(now: now, into: &readings, failures: &failures)
        thermal.read(now: now, into: &readings, failures: &failures)
        health.read(now: now, into: &readings, failures: &failures)
        return (readings, failures)
    }

    /// What `cairn sensors` lists: discovered board sensors and how they are named.
    public func catalog() -> [SensorChannel] {
        hwmon.discover() + thermal.discover()
    }
}
