import Testing
import CairnCore
import CairnTestSupport
@testable import CairnInputs

@Suite struct SysfsInputTests {
    func read(_ sysfs: FakeSysfs, proc: String = "/proc") -> (readings: [Reading], failures: [String]) {
        SensorInputs(sysfsRoot: sysfs.path, procRoot: proc, dataDirectory: sysfs.root.path).readAll(now: 1234)
    }

    func value(_ readings: [Reading], _ sensor: String) -> Reading? { readings.first { $0.sensor == sensor } }

    @Test func hwmonChannelsAreScaledAndLabelled() {
        let dir = TemporaryDirectory()
        let sysfs = FakeSysfs(dir)
        sysfs.hwmon(0, name: "nct6775")
        sysfs.set(hwmon: 0, "temp1_input", "42500")
        sysfs.set(hwmon: 0, "temp1_label", "Core 0")
        sysfs.set(hwmon: 0, "in0_input", "3312")
        sysfs.set(hwmon: 0, "fan2_input", "1450")
        sysfs.set(hwmon: 0, "power1_input", "5250000")
        sysfs.set(hwmon: 0, "curr1_input", "1500")
        sysfs.set(hwmon: 0, "temp1_max", "90000")   // not an _input: ignored
        let (readings, failures) = read(sysfs)
        #expect(failures.isEmpty)
        #expect(value(readings, "hwmon/nct6775/temp1") == Reading(sensor: "hwmon/nct6775/temp1", label: "Core 0", value: 42.5, unit: "C", time: 1234))
        #expect(value(readings, "hwmon/nct6775/in0")?.value == 3.312)
        #expect(value(readings, "hwmon/nct6775/in0")?.unit == "V")
        #expect(value(readings, "hwmon/nct6775/fan2")?.value == 1450)
        #expect(value(readings, "hwmon/nct6775/fan2")?.unit == "RPM")
        #expect(value(readings, "hwmon/nct6775/power1")?.value == 5.25)
        #expect(value(readings, "hwmon/nct6775/curr1")?.value == 1.5)
        #expect(readings.filter { $0.sensor.hasPrefix("hwmon/") }.count == 5)
    }

    @Test func chipsSharingADriverNameGetDistinctIds() {
        let sysfs = FakeSysfs(TemporaryDirectory())
        sysfs.hwmon(0, name: "nvme")
        sysfs.set(hwmon: 0, "temp1_input", "30000")
        sysfs.hwmon(1, name: "nvme")
        sysfs.set(hwmon: 1, "temp1_input", "31000")
        let readings = read(sysfs).readings
        #expect(value(readings, "hwmon/nvme/temp1")?.value == 30)
        #expect(value(readings, "hwmon/nvme.2/temp1")?.value == 31)
    }

    @Test func thermalZones() {
        let sysfs = FakeSysfs(TemporaryDirectory())
        sysfs.thermal(0, type: "cpu-thermal", milliCelsius: 51234)
        sysfs.thermal(1, type: "gpu thermal", milliCelsius: -5000)
        let readings = read(sysfs).readings
        #expect(value(readings, "thermal/cpu-thermal")?.value == 51.234)
        #expect(value(readings, "thermal/gpu_thermal")?.value == -5)
        #expect(value(readings, "thermal/gpu_thermal")?.label == "gpu thermal")
    }

    @Test func aVanishedOrBrokenSensorIsReportedAndOthersContinue() {
        let dir = TemporaryDirectory()
        let sysfs = FakeSysfs(dir)
        sysfs.hwmon(0, name: "chip")
        sysfs.set(hwmon: 0, "temp1_input", "garbage")
        sysfs.set(hwmon: 0, "temp2_input", "20000")
        sysfs.thermal(0, type: "zone", milliCelsius: 1000)
        var result = read(sysfs)
        #expect(result.failures == ["hwmon/chip/temp1"])
        #expect(value(result.readings, "hwmon/chip/temp2")?.value == 20)
        // The whole chip disappears (driver unloaded): no crash, no stale values.
        dir.remove("sys/class/hwmon/hwmon0")
        result = read(sysfs)
        #expect(result.readings.filter { $0.sensor.hasPrefix("hwmon/") }.isEmpty)
        #expect(value(result.readings, "thermal/zone")?.value == 1)
        // And it comes back.
        sysfs.hwmon(0, name: "chip")
        sysfs.set(hwmon: 0, "temp1_input", "25000")
        #expect(value(read(sysfs).readings, "hwmon/chip/temp1")?.value == 25)
    }

    @Test func healthFromProcfs() {
        let dir = TemporaryDirectory()
        dir.write("proc/loadavg", "0.50 0.25 0.10 1/123 4567\n")
        dir.write("proc/meminfo", "MemTotal:        1000 kB\nMemFree:          100 kB\nMemAvailable:     250 kB\n")
        dir.write("proc/uptime", "3600.25 7000.00\n")
        let readings = read(FakeSysfs(dir), proc: dir.file("proc")).readings
        #expect(value(readings, "health/load1")?.value == 0.5)
        #expect(value(readings, "health/load15")?.value == 0.1)
        #expect(value(readings, "health/mem_total")?.value == 1_024_000)
        #expect(value(readings, "health/mem_available")?.value == 256_000)
        #expect(value(readings, "health/mem_used_percent")?.value == 75)
        #expect(value(readings, "health/uptime")?.value == 3600.25)
        #expect((value(readings, "health/disk_free")?.value ?? 0) > 0)
    }

    @Test func missingProcfsIsAFailureNotACrash() {
        let dir = TemporaryDirectory()
        let result = read(FakeSysfs(dir), proc: dir.file("nowhere"))
        #expect(result.failures.contains("health/load"))
        #expect(result.failures.contains("health/uptime"))
    }
}
