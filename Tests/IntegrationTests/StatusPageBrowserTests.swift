import Foundation
import Testing
import CairnTestSupport

/// The status page as a technician's phone and laptop show it: headless Chromium
/// (Debian's) loads it from a running agent on a sysfs-shaped tree, at 360 px and
/// 1280 px. The DOM must name the sensors with their values, and each chart's path
/// must follow the values the test wrote. Screenshots are kept as test artifacts
/// (`CAIRN_TEST_ARTIFACTS`, else .build/test-artifacts).
@Suite(.serialized) struct StatusPageBrowserTests {
    static var artifacts: URL {
        if let dir = ProcessInfo.processInfo.environment["CAIRN_TEST_ARTIFACTS"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/test-artifacts")
    }

    /// Runs Chromium headless on `url` with `arguments`; returns what it printed on stdout.
    static func chromium(_ arguments: [String], url: String, in dir: TemporaryDirectory) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(which("chromium"), "chromium (Debian's) is needed"))
        // --no-sandbox: the tests run as root in CI; a private profile, no first-run work.
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                             "--user-data-dir=\(dir.file("chromium-profile"))"] + arguments + [url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return printed
    }

    /// The y coordinates of the chart's path inside the sensor's card.
    static func pathYs(in dom: String, sensor: String) -> [Double] {
        guard let card = dom.range(of: "data-sensor=\"\(sensor)\"") else { return [] }
        let rest = dom[card.upperBound...]
        guard let d = rest.range(of: " d=\"") else { return [] }
        let path = rest[d.upperBound...].prefix { $0 != "\"" }
        let numbers = path.split(whereSeparator: { "MLZ ,".contains($0) }).compactMap { Double($0) }
        return stride(from: 1, to: numbers.count, by: 2).map { numbers[$0] }
    }

    @Test func chromiumShowsEachSensorWithItsValueAndAChartThatFollowsIt() throws {
        let dir = TemporaryDirectory("cairn-page")
        let sysfs = FakeSysfs(dir)
        sysfs.hwmon(0, name: "pipe")
        sysfs.set(hwmon: 0, "temp1_input", "20000")
        sysfs.set(hwmon: 0, "temp2_input", "50000")
        sysfs.set(hwmon: 0, "temp2_label", "<b>Outlet</b> & \"pump\"")
        let port = freeLoopbackPort()
        let agent = try AgentBinary.start(["run", "--device-id", "it-page", "--data-dir", dir.file("data"), "--sysfs-root", sysfs.path,
                                           "--broker", "mqtt://127.0.0.1:9", "--interval", "0.2", "--status-listen", "127.0.0.1:\(port)"],
                                          log: dir.file("agent.log"))
        defer { agent.terminate() }
        func value(_ sensor: String) -> Double? {
            guard let body = try? LoopbackHTTP.get(port: port, path: "/api/status").body,
                  let document = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                  let sensors = document["sensors"] as? [[String: Any]] else { return nil }
            return sensors.first { $0["id"] as? String == sensor }?["value"] as? Double
        }
        // A rising temperature, each step seen by the agent before the next.
        let written = [20.0, 24.0, 28.0, 32.0, 36.0, 40.0]
        for celsius in written {
            sysfs.set(hwmon: 0, "temp1_input", "\(Int(celsius * 1000))")
            #expect(waitUntil(timeout: 30) { value("hwmon/pipe/temp1") == celsius }, "\(agent.log)")
        }
        try FileManager.default.createDirectory(at: StatusPageBrowserTests.artifacts, withIntermediateDirectories: true)
        for width in [360, 1280] {
            let url = "http://127.0.0.1:\(port)/"
            let dom = try StatusPageBrowserTests.chromium(["--window-size=\(width),2000", "--dump-dom"], url: url, in: dir)
            #expect(dom.contains("data-sensor=\"hwmon/pipe/temp1\""), "\(dom.prefix(2000))")
            #expect(dom.contains("data-sensor=\"hwmon/pipe/temp2\""))
            #expect(dom.contains("it-page"))
            // The value as shown, and the chart: y falls (drawn higher) as the values rise.
            #expect(dom.contains(#"<span class="value">40</span>"#), "the last value of temp1, 40, is shown")
            #expect(dom.contains(#"<span class="value">50</span>"#), "temp2's value, 50, is shown")
            // The hardware's label is shown as text, never as markup.
            #expect(dom.contains(#"<p class="label">&lt;b&gt;Outlet&lt;/b&gt; &amp; "pump"</p>"#), "\(dom.prefix(3000))")
            let ys = StatusPageBrowserTests.pathYs(in: dom, sensor: "hwmon/pipe/temp1")
            #expect(ys.count >= written.count, "\(ys)")
            #expect(zip(ys, ys.dropFirst()).allSatisfy { $0 >= $1 } && (ys.first ?? 0) > (ys.last ?? 0), "path y: \(ys)")
            // Named after the binary under test (its folder and name: .build-debug-cairn, dist-cairn-armv7, …):
            // CI runs the host, sanitized and three static binaries' suites at the same time.
            let path = URL(fileURLWithPath: AgentBinary.path)
            let binary = path.deletingLastPathComponent().deletingLastPathComponent().lastPathComponent + "-" + path.deletingLastPathComponent().lastPathComponent + "-" + path.lastPathComponent
            let shot = StatusPageBrowserTests.artifacts.appendingPathComponent("status-page-\(binary)-\(width).png")
            try? FileManager.default.removeItem(at: shot)
            _ = try StatusPageBrowserTests.chromium(["--window-size=\(width),1600", "--screenshot=\(shot.path)"], url: url, in: dir)
            #expect(FileManager.default.fileExists(atPath: shot.path), "no screenshot at \(shot.path)")
        }
    }
}
