import Foundation

/// The `cairn` executable under test: the one `swift test` built beside the tests, or
/// `CAIRN_BINARY` (a static build from cross/, say), run through `CAIRN_BINARY_WRAPPER`
/// when set (`qemu-arm`, `qemu-aarch64`: the ARM binaries on an x86_64 host).
/// scripts/test-binary sets both.
public enum AgentBinary {
    public static var path: String {
        if let override = ProcessInfo.processInfo.environment["CAIRN_BINARY"] { return override }
        // Tests/Support/AgentBinary.swift → package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/cairn").path
    }

    /// The emulator the binary runs under, nil when it runs natively.
    public static var wrapper: String? {
        guard let name = ProcessInfo.processInfo.environment["CAIRN_BINARY_WRAPPER"], !name.isEmpty else { return nil }
        return which(name) ?? name
    }

    /// Starts the agent with these arguments, its output captured to `log`. An agent
    /// (`run`) whose test does not choose `--status-listen` gets a free loopback port of its
    /// own, so agents running side by side never compete for the default one.
    /// `environment`: variables added to the inherited ones (`NOTIFY_SOCKET`, say).
    public static func start(_ arguments: [String], log: String, environment: [String: String] = [:]) throws -> ChildProcess {
        var arguments = arguments
        if arguments.first == "run" && !arguments.contains("--status-listen") {
            arguments += ["--status-listen", "127.0.0.1:\(freeLoopbackPort())"]
        }
        if let wrapper { return try ChildProcess(wrapper, [path] + arguments, log: log, holdStopSignals: true, environment: environment) }
        return try ChildProcess(path, arguments, log: log, holdStopSignals: true, environment: environment)
    }

    /// Runs the agent to completion and returns (exit status, stdout+stderr).
    public static func run(_ arguments: [String], directory: TemporaryDirectory) throws -> (Int32, String) {
        let child = try start(arguments, log: directory.file("cli-\(UInt32.random(in: 0...UInt32.max)).log"))
        child.process.waitUntilExit()
        return (child.process.terminationStatus, child.log)
    }
}

/// A sysfs-shaped tree: hwmon chips and thermal zones whose values a test can change.
public struct FakeSysfs {
    public let root: TemporaryDirectory

    public init(_ root: TemporaryDirectory) {
        self.root = root
    }

    public var path: String { root.file("sys") }

    public func hwmon(_ index: Int, name: String) {
        root.write("sys/class/hwmon/hwmon\(index)/name", name + "\n")
    }

    public func set(hwmon index: Int, _ attribute: String, _ value: String) {
        root.write("sys/class/hwmon/hwmon\(index)/\(attribute)", value + "\n")
    }

    public func thermal(_ index: Int, type: String, milliCelsius: Int) {
        root.write("sys/class/thermal/thermal_zone\(index)/type", type + "\n")
        root.write("sys/class/thermal/thermal_zone\(index)/temp", "\(milliCelsius)\n")
    }
}
