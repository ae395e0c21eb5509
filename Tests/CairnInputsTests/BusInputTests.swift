import Testing
import CairnCore
import CairnTestSupport
@testable import CairnInputs

/// IIO and 1-Wire inputs on sysfs-shaped temporary trees.
@Suite struct BusInputTests {
    func value(_ result: InputResult, _ sensor: String) -> Reading? { result.readings.first { $0.sensor == sensor } }

    @Test func iioRawChannelsUseScaleAndOffsetPerTheKernelABI() {
        let dir = TemporaryDirectory()
        let dev = "sys/bus/iio/devices/iio:device0"
        dir.write("\(dev)/name", "ads1015\n")
        // Own scale: 1000 × 3 = 3000 mV.
        dir.write("\(dev)/in_voltage0_raw", "1000\n")
        dir.write("\(dev)/in_voltage0_scale", "3\n")
        // Shared type scale, own offset: (200 + 50) × 0.5 = 125 mV.
        dir.write("\(dev)/in_voltage1_raw", "200\n")
        dir.write("\(dev)/in_voltage_scale", "0.5\n")
        dir.write("\(dev)/in_voltage1_offset", "50\n")
        dir.write("\(dev)/out_voltage0_raw", "7\n")   // an output channel: not a sensor
        let dev1 = "sys/bus/iio/devices/iio:device1"
        dir.write("\(dev1)/name", "bme280\n")
        // (2000 − 500) × 10 = 15000 m°C.
        dir.write("\(dev1)/in_temp_raw", "2000\n")
        dir.write("\(dev1)/in_temp_offset", "-500\n")
        dir.write("\(dev1)/in_temp_scale", "10\n")
        dir.write("\(dev1)/in_humidityrelative_input", "45500\n")
        // A processed value wins over the raw one.
        dir.write("\(dev1)/in_pressure_raw", "1\n")
        dir.write("\(dev1)/in_pressure_input", "101.325\n")
        dir.write("\(dev1)/in_accel_x_raw", "garbage\n")

        var result = InputResult()
        IIOInput(sysfsRoot: dir.file("sys")).read(now: 5, into: &result)
        #expect(value(result, "iio/ads1015/voltage0") == Reading(sensor: "iio/ads1015/voltage0", label: "ads1015", value: 3, unit: "V", time: 5))
        #expect(value(result, "iio/ads1015/voltage1")?.value == 0.125)
        #expect(value(result, "iio/bme280/temp")?.value == 15)
        #expect(value(result, "iio/bme280/temp")?.unit == "C")
        #expect(value(result, "iio/bme280/humidityrelative")?.value == 45.5)
        #expect(value(result, "iio/bme280/pressure")?.value == 101.325)
        #expect(value(result, "iio/bme280/pressure")?.unit == "kPa")
        #expect(result.readings.count == 5)
        #expect(result.failures.map(\.sensor) == ["iio/bme280/accel_x"])
    }

    @Test func iioChannelTypes() {
        #expect(IIOInput.channelType("voltage0") == "voltage")
        #expect(IIOInput.channelType("accel_x") == "accel")
        #expect(IIOInput.channelType("voltage0-voltage1") == "voltage")
        #expect(IIOInput.channelType("temp") == "temp")
    }

    @Test func w1ThermometersFromW1SlaveAndTemperatureFiles() {
        let dir = TemporaryDirectory()
        let base = "sys/bus/w1/devices"
        dir.write("\(base)/28-0000075f3c1a/w1_slave", "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n")
        dir.write("\(base)/28-0000075f3c1b/w1_slave", "72 01 4b 46 7f ff 0e 10 57 : crc=12 NO\n72 01 4b 46 7f ff 0e 10 57 t=23125\n")
        dir.write("\(base)/28-0000075f3c1c/temperature", "-1250\n")
        dir.write("\(base)/10-000802b4a1f2/w1_slave", "aa 00 4b 46 ff ff 0c 10 87 : crc=87 YES\naa 00 4b 46 ff ff 0c 10 87 t=85000\n")
        dir.write("\(base)/28-0000075f3c1d/w1_slave", "\n")
        dir.write("\(base)/01-000000000001/id", "x\n")          // an iButton, not a thermometer
        dir.write("\(base)/w1_bus_master1/w1_master_slaves", "28-0000075f3c1a\n")

        var result = InputResult()
        W1Input(sysfsRoot: dir.file("sys")).read(now: 7, into: &result)
        #expect(value(result, "w1/28-0000075f3c1a") == Reading(sensor: "w1/28-0000075f3c1a", value: 23.125, unit: "C", time: 7))
        #expect(value(result, "w1/28-0000075f3c1c")?.value == -1.25)
        #expect(value(result, "w1/10-000802b4a1f2")?.value == 85)
        #expect(result.readings.count == 3)
        #expect(result.failures == [
            SensorFailure(sensor: "w1/28-0000075f3c1b", reason: "CRC check failed"),
            SensorFailure(sensor: "w1/28-0000075f3c1d", reason: "w1_slave is not in the expected format"),
        ])
    }

    @Test func sensorsCommandListsBusSensorsToo() {
        let dir = TemporaryDirectory()
        dir.write("sys/bus/w1/devices/28-00000a/temperature", "20000\n")
        dir.write("sys/bus/iio/devices/iio:device0/in_voltage0_input", "1200\n")
        let inputs = SensorInputs(sysfsRoot: dir.file("sys"), procRoot: dir.file("proc"), dataDirectory: dir.path)
        #expect(inputs.catalog().map(\.sensor) == ["iio/iio_device0/voltage0", "w1/28-00000a"])
        let readings = inputs.readAll(now: 1).readings
        #expect(readings.first { $0.sensor == "iio/iio_device0/voltage0" }?.value == 1.2)
        #expect(readings.first { $0.sensor == "w1/28-00000a" }?.value == 20)
    }
}
