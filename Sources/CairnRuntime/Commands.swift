import CSystem
import CairnControl
import CairnCore
import CairnInputs
import CairnStatus

/// The `cairn` command line: each function returns the process exit code.
public enum Commands {
    public static func main(_ arguments: [String]) -> Int32 {
        guard let command = arguments.first else {
            output(CommandHelp.overview())
            return 0
        }
        let rest = Array(arguments.dropFirst())
        // `cairn ctl push --help` is the help of "ctl push"; `cairn ctl --help` of "ctl".
        let helpName = command == "ctl" && rest.first.map({ CommandHelp.named("ctl " + $0) != nil }) == true ? "ctl " + rest[0] : command
        if let help = CommandHelp.named(helpName), CommandHelp.asked(rest) {
            output(help.text)
            return 0
        }
        switch command {
        case "--version", "version": output(BuildInfo.summary + "\n"); return 0
        case "--help", "-h", "help": output(CommandHelp.overview()); return 0
        case "run": return run(rest)
        case "status": return status(rest)
        case "sensors": return sensors(rest)
        case "queue": return QueueCommand.run(rest)
        case "config": return ConfigCommand.run(rest)
        case "init": return InitCommand.run(rest)
        case "ctl": return ControllerCommand.run(rest)
        case "doctor": return Doctor.command(rest)
        default:
            fail("unknown command \"\(command)\" (see cairn --help)")
            return 2
        }
    }

    static func configuration(_ arguments: [String]) -> Configuration? {
        let config: Configuration
        do {
            config = try ConfigLoader.load(arguments)
        } catch {
            // One line per error found (a file's errors come together; cairn config check names them the same way).
            for error in error.all { fail("\(error)") }
            return nil
        }
        Log.level = config.agent.logLevel
        return config
    }

    static func run(_ arguments: [String]) -> Int32 {
        guard let config = configuration(arguments) else { return 2 }
        do {
            let agent = try Agent(config: config, arguments: arguments)
            agent.run()
            return 0
        } catch {
            fail("\(error)")
            return 1
        }
    }

    /// `cairn status [--json]`: the status file the agent writes, as a table or as the
    /// document `/api/status` serves, with `running` as this command finds it.
    static func status(_ arguments: [String]) -> Int32 {
        let json = arguments.contains("--json")
        guard let config = configuration(arguments.filter { $0 != "--json" }) else { return 2 }
        let path = "\(config.agent.dataDirectory)/\(StatusReport.fileName)"
        guard let text = Files.read(path) else {
            fail("no status at \(path): the agent has not run with this data directory (--data-dir)")
            return 1
        }
        guard let document = try? JSONParser.parse(text) else {
            fail("\(path) is not readable JSON")
            return 1
        }
        let running = document["pid"]?.integer.map { $0 > 0 && (kill(pid_t($0), 0) == 0 || cairn_errno() == EPERM) } ?? false
        guard json else {
            output(StatusReport.render(document, running: running))
            return 0
        }
        var members = (document.members ?? []).filter { $0.key != "running" }
        members.insert(JSONMember(key: "running", value: .bool(running)), at: 0)
        output(JSONWriter.encode(.object(members)) + "\n")
        return 0
    }

    static func sensors(_ arguments: [String]) -> Int32 {
        guard let config = configuration(arguments) else { return 2 }
        let inputs = SensorInputs(sysfsRoot: config.agent.sysfsRoot, procRoot: config.agent.procRoot, dataDirectory: ".")
        let (readings, failures) = inputs.readAll(now: Clock.wallMilliseconds())
        var out = ""
        for reading in readings {
            var line = reading.sensor
            while line.utf8.count < 36 { line += " " }
            line += " \(Numbers.format(reading.value)) \(reading.unit)"
            if let label = reading.label { line += "  (\(label))" }
            out += line + "\n"
        }
        for failure in failures { out += "\(failure)  UNREADABLE\n" }
        out += lanInputs(config)
        output(out)
        return 0
    }

    /// Configured inputs whose sensors appear only when devices send: how they will be named.
    static func lanInputs(_ config: Configuration) -> String {
        let broker = config.southbound.broker.map { "\($0)" }
        var out = ""
        for input in config.inputs {
            if let plan = input.plan(southbound: broker) { out += plan + "\n" }
        }
        return out.isEmpty ? "" : "\nLAN inputs (sensors appear when devices send):\n" + out
    }

    static func output(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glue.writeAll(1, $0.baseAddress!, $0.count) }
    }

    /// Text on stderr as it is (`fail` adds "cairn: " and a newline).
    static func errorOutput(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glue.writeAll(2, $0.baseAddress!, $0.count) }
    }

    static func fail(_ message: String) {
        var bytes = Array("cairn: \(message)\n".utf8)
        _ = bytes.withUnsafeMutableBytes { Glue.writeAll(2, $0.baseAddress!, $0.count) }
    }
}
