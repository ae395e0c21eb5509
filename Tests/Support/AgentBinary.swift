import Foundation

/// The `cairn` executable that `swift test` built beside the tests.
public enum AgentBinary {
    public static var path: String {
        if let override = ProcessInfo.processInfo.environment["CAIRN_BINARY"] { return override }
        // Tests/Support/AgentBinary.swift → package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/cairn").path
    }

    /// Runs the agent to completion and returns (exit status, stdout+stderr).
    public static func run(_ arguments: [String], directory: TemporaryDirectory) throws -> (Int32, String) {
        let child = try ChildProcess(path, arguments, log: directory.file("cli-\(UInt32.random(in: 0...UInt32.max)).log"))
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
