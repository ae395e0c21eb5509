import CairnCore

/// Runs a program every interval and turns its output into readings. The run
/// is asynchronous: `start` spawns it, `collect` (called each loop turn)
/// returns the result once it exits or is killed at its timeout. A run still
/// going when the next one is due makes that next one skip, never pile up.
public final class CommandInput {
    /// Sensor id prefix, e.g. "modbus" → "modbus/flow".
    public let name: String
    public let arguments: [String]
    public let timeout: Int64
    public let unit: String
    private var running: Subprocess?
    /// Runs skipped because the previous one was still going.
    public private(set) var overruns: Int64 = 0

    /// `arguments[0]` is a path or a name on PATH; no shell unless you run one.
    public init(name: String, arguments: [String], timeout: Int64, unit: String = "") {
        self.name = name
        self.arguments = arguments
        self.timeout = timeout
        self.unit = unit
    }

    public var isRunning: Bool { running != nil }

    /// Starts a run; a failure to start is reported at once.
    public func start(nowMonotonic: Int64) -> InputResult? {
        guard running == nil else {
            overruns += 1
            return nil
        }
        do {
            running = try Subprocess(arguments: arguments, environment: ["CAIRN_INPUT=\(name)"],
                                     deadline: nowMonotonic + timeout)
            return nil
        } catch {
            var result = InputResult()
            result.fail(name, "cannot run \(arguments[0]): \(error.reason)")
            return result
        }
    }

    /// The finished run's readings and failures, or nil while it is still running.
    public func collect(nowWall: Int64, nowMonotonic: Int64) -> InputResult? {
        guard let process = running, process.poll(now: nowMonotonic) else { return nil }
        running = nil
        var result = InputResult()
        switch process.outcome {
        case .exited(0)?:
            return CommandOutputParser.parse(process.outputText, prefix: name, unit: unit, now: nowWall)
        case .exited(let code)?:
            result.fail(name, "exited with status \(code)" + (process.lastErrorLine.map { ": \($0)" } ?? ""))
        case .signalled(let signal)?:
            result.fail(name, "killed by signal \(signal)")
        case .timedOut?:
            result.fail(name, "timed out after \(Numbers.format(Double(timeout) / 1000)) s and was killed")
        case .outputTooLarge?, nil:
            result.fail(name, "wrote more than \(Subprocess.outputLimit) bytes and was killed")
        }
        return result
    }

    /// Kills a run in progress (agent shutdown).
    public func stop() {
        running = nil
    }
}

/// `{"type": "command", "name": "plant", "run": ["/usr/local/bin/poll", "--json"], "timeout": 5}`
/// (a string runs through /bin/sh -c).
extension CommandInput: InputPlugin {
    public struct Settings: Equatable {
        public var name: String
        public var run: [String]
        /// Seconds a run may take before it is killed.
        public var timeout: Double
    }

    public static let typeName = "command"

    public enum Key {
        public static let name = SectionKey.string("name")
        public static let run = SectionKey.commandLine("run")
        public static let timeout = SectionKey.number("timeout", in: 0.1...3600, default: 10)
    }

    public static let keys = [Key.name, Key.run, Key.timeout]

    public static func settings(_ r: inout SectionReader, common: InputSettings) throws(ConfigError) -> Settings {
        let name = try r.sensorPrefix(Key.name)
        let run = try r.commandLine(Key.run)
        return Settings(name: name, run: run, timeout: try r.number(Key.timeout))
    }

    public convenience init(settings: Settings, common: InputSettings, context: InputContext) {
        self.init(name: settings.name, arguments: settings.run, timeout: Int64(settings.timeout * 1000), unit: common.unit)
    }

    public static func label(_ settings: Settings) -> String? { settings.name }

    public func read(nowWall: Int64, nowMonotonic: Int64) -> InputResult? { start(nowMonotonic: nowMonotonic) }
    public var isBusy: Bool { isRunning }
}
