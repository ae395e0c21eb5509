import Foundation
import Testing
import CairnControl
import CairnCore
import CairnTestSupport
@testable import CairnRuntime

/// The sensor runtime end to end on a sysfs-shaped tree: config text →
/// settings → inputs → pipelines → rules → events and a real action process.
@Suite struct SensorRuntimeTests {
    func runtime(_ json: String, _ dir: TemporaryDirectory, interval: Double = 10) throws -> SensorRuntime {
        var config = ConfigLoader.defaults()
        config.agent.deviceID = "gw-7"
        config.agent.dataDirectory = dir.path
        config.agent.sysfsRoot = dir.file("sys")
        config.agent.procRoot = dir.file("proc")
        config.agent.interval = interval
        try ConfigLoader.apply(text: json, source: "test.json", to: &config)
        try config.finish()
        return SensorRuntime(config: config, nowMonotonic: 0)
    }

    @Test func withoutSectionsItReadsTheBoardAndHealthAtTheAgentInterval() throws {
        let dir = TemporaryDirectory()
        let sysfs = FakeSysfs(dir)
        sysfs.thermal(0, type: "cpu-thermal", milliCelsius: 45000)
        sysfs.hwmon(0, name: "chip")
        sysfs.set(hwmon: 0, "temp1_input", "30000")
        dir.write("proc/uptime", "12.5 1.0\n")
        let sensors = try runtime("{}", dir)
        let first = sensors.poll(nowWall: 1, nowMonotonic: 0)
        #expect(first.readings.contains(Reading(sensor: "thermal/cpu-thermal", label: "cpu-thermal", value: 45, unit: "C", time: 1)))
        #expect(first.readings.contains { $0.sensor == "hwmon/chip/temp1" && $0.value == 30 })
        #expect(first.readings.contains { $0.sensor == "health/uptime" && $0.value == 12.5 })
        #expect(sensors.nextDeadline(nowMonotonic: 0) == 10_000)
        #expect(sensors.poll(nowWall: 2, nowMonotonic: 9_999).readings.isEmpty)
        #expect(!sensors.poll(nowWall: 3, nowMonotonic: 10_000).readings.isEmpty)
        #expect(sensors.failingSensors.contains("health/load"))
    }

    @Test func pipelinesRulesEventsAndAnAlarmAction() throws {
        let dir = TemporaryDirectory()
        let sysfs = FakeSysfs(dir)
        sysfs.thermal(0, type: "cpu", milliCelsius: 70000)
        sysfs.thermal(1, type: "gpu", milliCelsius: 20000)
        dir.write("action.sh", "echo \"$CAIRN_ALARM_STATE $CAIRN_ALARM_RULE $CAIRN_ALARM_SENSOR $CAIRN_ALARM_VALUE $CAIRN_ALARM_SEVERITY\" >> \(dir.file("actions.log"))\n")
        let sensors = try runtime("""
            {"inputs": [{"type": "thermal", "interval": 1, "include": "thermal/cpu"}],
             "pipelines": [{"match": "thermal/*", "stages": [
                {"type": "scale", "factor": 1.8, "offset": 32},
                {"type": "deadband", "absolute": 1}]}],
             "rules": [{"name": "hot", "match": "thermal/cpu", "above": 176, "clear": 170, "severity": "critical",
                        "actions": [{"run": ["/bin/sh", "\(dir.file("action.sh"))"], "on": "both"}]}]}
            """, dir)
        var t: Int64 = 0
        func step(_ milliCelsius: Int) -> SensorRuntime.Output {
            sysfs.thermal(0, type: "cpu", milliCelsius: milliCelsius)
            defer { t += 1000 }
            return sensors.poll(nowWall: 1_800_000_000_000 + t, nowMonotonic: t)
        }
        // 70 °C = 158 °F; gpu is not selected by the input's include.
        #expect(step(70000).readings.map { "\($0.sensor)=\(Numbers.format($0.value))" } == ["thermal/cpu=158"])
        #expect(step(70200).readings.isEmpty)                 // 158.36 °F: inside the deadband
        let raised = step(81000)                              // 177.8 °F
        #expect(raised.events.map(\.type) == ["io.cairn.alarm.raised"])
        #expect(raised.events.first?.subject == "thermal/cpu")
        #expect(raised.events.first?.source == "cairn/gw-7")
        #expect(raised.events.first?.data["severity"] == .string("critical"))
        #expect(sensors.activeAlarms == ["hot thermal/cpu"])
        #expect(step(78000).events.isEmpty)                   // 172.4 °F: above the clear level
        #expect(step(76000).events.map(\.type) == ["io.cairn.alarm.cleared"])
        #expect(sensors.activeAlarms.isEmpty)
        // The actions ran as real processes; poll until both are collected.
        for _ in 0..<3000 where (try? String(contentsOfFile: dir.file("actions.log"), encoding: .utf8))?.split(separator: "\n").count != 2 {
            usleep(10_000)   // pacing of a bounded wait (3000 × 10 ms) for the condition
            _ = sensors.poll(nowWall: 0, nowMonotonic: t - 1)
        }
        let log = try String(contentsOfFile: dir.file("actions.log"), encoding: .utf8)
        #expect(log == "raised hot thermal/cpu 177.8 critical\ncleared hot thermal/cpu 168.8 critical\n")
    }

    @Test func aWindowClosesOnTimeEvenWhenItsSensorStops() throws {
        let dir = TemporaryDirectory()
        dir.write("level", "4\n")
        let sensors = try runtime("""
            {"inputs": [{"type": "file", "name": "tank", "path": "\(dir.file("level"))", "interval": 10}],
             "pipelines": [{"match": "tank", "stages": [{"type": "window", "length": 60, "functions": ["mean", "count"]}]}]}
            """, dir)
        #expect(sensors.poll(nowWall: 0, nowMonotonic: 0).readings.isEmpty)
        dir.write("level", "8\n")
        #expect(sensors.poll(nowWall: 10_000, nowMonotonic: 10_000).readings.isEmpty)
        dir.remove("level")
        let closed = sensors.poll(nowWall: 60_000, nowMonotonic: 60_000)
        #expect(closed.readings.map { "\($0.sensor)=\(Numbers.format($0.value))@\($0.time)" } == ["tank/mean=6@0", "tank/count=2@0"])
        #expect(closed.failures.map(\.sensor) == ["tank"])
    }
}
