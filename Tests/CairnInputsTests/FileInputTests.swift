import Testing
import CairnCore
import CairnTestSupport
@testable import CairnInputs

@Suite struct FileInputTests {
    func read(_ input: FileInput) -> InputResult {
        var result = InputResult()
        input.read(now: 9, into: &result)
        return result
    }

    @Test func aSingleNumber() {
        let dir = TemporaryDirectory()
        dir.write("level", "  42.5\n")
        #expect(read(FileInput(name: "tank/level", path: dir.file("level"), unit: "%")).readings ==
                [Reading(sensor: "tank/level", value: 42.5, unit: "%", time: 9)])
    }

    @Test func keyValueLines() {
        let dir = TemporaryDirectory()
        dir.write("ups", "# written by upsc\nbattery.charge=97\n Input Voltage = 229.5\n\nload=oops\n")
        let result = read(FileInput(name: "ups", path: dir.file("ups")))
        #expect(result.readings.map(\.sensor) == ["ups/battery.charge", "ups/input_voltage"])
        #expect(result.readings.map(\.value) == [97, 229.5])
        #expect(result.readings[1].label == "Input Voltage")
        #expect(result.failures.map(\.sensor) == ["ups/load"])
    }

    @Test func missingOrMeaninglessFilesAreFailures() {
        let dir = TemporaryDirectory()
        #expect(read(FileInput(name: "x", path: dir.file("absent"))).failures == [SensorFailure(sensor: "x", reason: "cannot read \(dir.file("absent"))")])
        dir.write("prose", "hello world\n")
        #expect(read(FileInput(name: "x", path: dir.file("prose"))).failures.count == 1)
        dir.write("empty", "\n")
        #expect(read(FileInput(name: "x", path: dir.file("empty"))).failures == [SensorFailure(sensor: "x", reason: "\(dir.file("empty")) holds no value")])
    }
}
