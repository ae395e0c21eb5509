import CairnCore

/// The board's discoverable inputs read all at once: what `cairn sensors`
/// lists. Concrete fields, not an array of existentials: Embedded Swift
/// dispatches statically. (The agent reads through `InputSchedule`, which
/// adds per-input intervals, commands, files and health.)
public struct SensorInputs {
    public let hwmon: HwmonInput
    public let thermal: ThermalInput
    public let health: HealthInput
    public let iio: IIOInput
    public let w1: W1Input

    public init(sysfsRoot: String, procRoot: String, dataDirectory: String) {
        hwmon = HwmonInput(sysfsRoot: sysfsRoot)
        thermal = ThermalInput(sysfsRoot: sysfsRoot)
        health = HealthInput(procRoot: procRoot, dataDirectory: dataDirectory)
        iio = IIOInput(sysfsRoot: sysfsRoot)
        w1 = W1Input(sysfsRoot: sysfsRoot)
    }

    /// Reads everything once. A sensor that fails is named in `failures`
    /// and skipped; it never stops the others.
    public func readAll(now: Int64) -> (readings: [Reading], failures: [String]) {
        var readings: [Reading] = []
        var failures: [String] = []
        hwmon.read(now: now, into: &readings, failures: &failures)
        thermal.read(now: now, into: &readings, failures: &failures)
        var bus = InputResult()
        iio.read(now: now, into: &bus)
        w1.read(now: now, into: &bus)
        readings += bus.readings
        failures += bus.failures.map { $0.sensor }
        health.read(now: now, into: &readings, failures: &failures)
        return (readings, failures)
    }

    /// What `cairn sensors` lists: discovered board sensors and how they are named.
    public func catalog() -> [SensorChannel] {
        hwmon.discover() + thermal.discover() + iio.discover() + w1.discover()
    }

    /// Runs an input that reports failures as bare sensor ids, into an `InputResult`.
    static func adopt(_ result: inout InputResult, _ read: (inout [Reading], inout [String]) -> Void) {
        var failures: [String] = []
        read(&result.readings, &failures)
        for sensor in failures { result.fail(sensor, "unreadable") }
    }
}
