import Testing
import CairnCore
@testable import CairnInputs

@Suite struct MQTTReadingMapTests {
    func read(_ map: MQTTReadingMap, _ topic: String, _ payload: String) -> (readings: [String], failures: [String]) {
        var result = InputResult()
        map.read(topic: topic, payload: Array(payload.utf8), now: 1000, into: &result)
        return (result.readings.map { "\($0.sensor)=\(Numbers.format($0.value))\($0.unit)" },
                result.failures.map { "\($0.sensor): \($0.reason)" })
    }

    @Test func aBareNumberIsOneReadingNamedByTheTopic() {
        let map = MQTTReadingMap(filter: "shed/#", unit: "C")
        #expect(read(map, "shed/probe/1", "21.5").readings == ["mqtt/shed/probe/1=21.5C"])
        #expect(read(map, "shed/door", "true").readings == ["mqtt/shed/door=1C"])
    }

    @Test func everyNumericMemberOfAnObjectWithoutFields() {
        let map = MQTTReadingMap(filter: "lan/+/state", sensor: "lan/{1}", units: ["rh": "%"])
        let out = read(map, "lan/dev1/state", #"{"temp": 21.5, "rh": 40, "name": "porch", "ok": false}"#)
        #expect(out.readings == ["lan/dev1/temp=21.5", "lan/dev1/rh=40%", "lan/dev1/ok=0"])
        #expect(out.failures.isEmpty)
    }

    @Test func selectedFieldsWithNestedPathsAndMissingOnesReported() {
        let map = MQTTReadingMap(filter: "tele/+/SENSOR", sensor: "{1}/{field}", fields: ["AM2301.Temperature", "AM2301.Humidity"], unit: "C",
                                 units: ["AM2301.Humidity": "%"])
        let out = read(map, "tele/plug4/SENSOR", #"{"Time": "2026-11-24T07:00:00", "AM2301": {"Temperature": 19.25}}"#)
        #expect(out.readings == ["plug4/am2301/temperature=19.25C"])
        #expect(out.failures == ["plug4/am2301/humidity: field \"AM2301.Humidity\" missing in the message on tele/plug4/SENSOR"])
        let wrongType = read(map, "tele/plug4/SENSOR", #"{"AM2301": {"Temperature": "hot", "Humidity": 50}}"#)
        #expect(wrongType.readings == ["plug4/am2301/humidity=50%"])
        #expect(wrongType.failures == ["plug4/am2301/temperature: field \"AM2301.Temperature\" on tele/plug4/SENSOR is a string, not a number"])
    }

    @Test func badPayloadsAreFailuresOfTheTopicsSensor() {
        let map = MQTTReadingMap(filter: "lan/+", sensor: "lan/{1}")
        let text = read(map, "lan/x", "ON")
        #expect(text.readings.isEmpty)
        #expect(text.failures.count == 1 && text.failures[0].hasPrefix("lan/x: message on lan/x is not a number or JSON object: line 1, column 1"))
        #expect(read(map, "lan/x", "[1,2]").failures == ["lan/x: message on lan/x is an array, not a number or object"])
        let huge = String(repeating: "1", count: MQTTReadingMap.maxPayloadBytes + 1)
        #expect(read(map, "lan/x", huge).failures == ["lan/x: message of 65537 bytes on lan/x is larger than 65536"])
    }

    @Test func wildcardLevelsFillTheTemplate() {
        let map = MQTTReadingMap(filter: "site/+/+/#", sensor: "{2}-{1}/{3}")
        #expect(map.wildcardLevels(of: "site/a/b/c/d") == ["a", "b", "c/d"])
        #expect(read(map, "site/a/b/c/d", "1").readings == ["b-a/c/d=1"])
        #expect(map.matches("site/a/b") && !map.matches("other/a/b"))
    }

    /// docs/pipeline.md: names are made topic-safe (lower case, runs of other
    /// characters → "_"), and the original is kept as the reading's label.
    @Test func memberNamesAndTopicLevelsBecomeTopicSafeIdsAndTheOriginalIsTheLabel() {
        let map = MQTTReadingMap(filter: "tele/+/SENSOR", sensor: "tasmota/{1}/{field}")
        var result = InputResult()
        map.read(topic: "tele/kitchen_plug/SENSOR", payload: Array(#"{"Temperature": 21.5, "Air Quality": 12}"#.utf8),
                 now: 1000, into: &result)
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.readings.map { "\($0.sensor) \($0.label ?? "-")" } == [
            "tasmota/kitchen_plug/temperature tasmota/kitchen_plug/Temperature",
            "tasmota/kitchen_plug/air_quality tasmota/kitchen_plug/Air Quality",
        ])
        // Topic levels too, wherever the template places them; an id that needs no change has no label.
        let levels = MQTTReadingMap(filter: "zigbee2mqtt/#", sensor: "z2m/{1}")
        result = InputResult()
        levels.read(topic: "zigbee2mqtt/Living Room/Sensor #2", payload: Array("20".utf8), now: 1000, into: &result)
        #expect(result.readings.map { "\($0.sensor) \($0.label ?? "-")" } == ["z2m/living_room/sensor_2 z2m/Living Room/Sensor #2"])
        #expect(read(MQTTReadingMap(filter: "lan/+"), "lan/Dev 1", "1").readings == ["mqtt/lan/dev_1=1"])
        #expect(read(MQTTReadingMap(filter: "lan/+", sensor: "lan/{1}"), "lan/dev1", #"{"temp": 1}"#).readings == ["lan/dev1/temp=1"])
        // A failing field is a failure of the id its reading would have had.
        let fields = MQTTReadingMap(filter: "lan/+", sensor: "lan/{1}", fields: ["Air Quality"])
        #expect(read(fields, "lan/Porch", "{}").failures == ["lan/porch/air_quality: field \"Air Quality\" missing in the message on lan/Porch"])
    }
}
