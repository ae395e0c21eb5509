import CSystem
import CairnControl
import CairnCore

/// `cairn doctor [--config FILE] [flags] [--json]`: checks an installed configuration
/// step by step (docs/doctor.md) and says which step fails and what to do. Steps after
/// a failure are skipped. Exit 0 only when every step passes, 1 otherwise, 2 on a usage error.
public enum Doctor {
    public static let defaultConfigFile = "/etc/cairn/cairn.json"
    static let steps = ["config", "data_dir", "clock", "dns", "tcp", "tls", "mqtt", "round_trip"]

    struct Step {
        enum Status: String { case pass, fail, skip }
        let name: String
        let status: Status
        let message: String
        let hint: String

        var passed: Bool { status == .pass }
        static func pass(_ name: String, _ message: String) -> Step { Step(name: name, status: .pass, message: message, hint: "") }
        static func fail(_ name: String, _ message: String, _ hint: String) -> Step { Step(name: name, status: .fail, message: message, hint: hint) }
    }

    static func command(_ arguments: [String]) -> Int32 {
        let json = arguments.contains("--json")
        var rest = arguments.filter { $0 != "--json" }
        let hasConfig = rest.contains { $0 == "--config" || $0.hasPrefix("--config=") }
        if !hasConfig && defaultConfigFile.withCString({ access($0, F_OK) }) == 0 { rest = ["--config", defaultConfigFile] + rest }
        let source = configSource(rest)
        let config: Configuration
        do {
            config = try ConfigLoader.load(rest)
        } catch {
            if error.source.isEmpty && error.line == 0 && isUsage(error.message) {
                Commands.fail("\(error.message) (usage: cairn doctor [--config FILE] [flags] [--json])")
                return 2
            }
            let message = error.all.map { "\($0)" }.joined(separator: "; ")
            return report([.fail("config", message, "fix the configuration (cairn config check FILE names every error; docs/config.md)")],
                          source: source, json: json)
        }
        return run(config, source: source, json: json)
    }

    /// Every step after `config` for a configuration already loaded; `source` names where it came from.
    public static func run(_ config: Configuration, source: String, json: Bool) -> Int32 {
        var results: [Step] = [.pass("config", "\(source): valid")]
        let checks = DoctorChecks(config: config)
        let network = DoctorNetwork(settings: config.uplink)
        defer { network.close() }
        let work: [() -> Step] = [checks.dataDirectory, checks.clock, network.dns, network.tcp, network.tls,
                                  network.mqtt, network.roundTrip]
        for step in work {
            let result = step()
            results.append(result)
            if result.status == .fail { break }
        }
        return report(results, source: source, json: json)
    }

    /// Prints the steps (the missing ones as skipped); the exit status.
    static func report(_ done: [Step], source: String, json: Bool) -> Int32 {
        var all = done
        for name in steps.dropFirst(done.count) {
            all.append(Step(name: name, status: .skip, message: "not checked: an earlier step failed", hint: ""))
        }
        let ok = all.allSatisfy { $0.status == .pass }
        if json {
            let steps = all.map { step -> JSONValue in
                .object([JSONMember(key: "step", value: .string(step.name)), JSONMember(key: "status", value: .string(step.status.rawValue)),
                         JSONMember(key: "message", value: .string(step.message)), JSONMember(key: "hint", value: .string(step.hint))])
            }
            Commands.output(JSONWriter.encode(.object([JSONMember(key: "ok", value: .bool(ok)), JSONMember(key: "config", value: .string(source)),
                                                       JSONMember(key: "steps", value: .array(steps))])) + "\n")
        } else {
            var out = ""
            for step in all {
                out += pad(step.name, 11) + pad(step.status == .fail ? "FAIL" : step.status.rawValue, 6) + step.message + "\n"
                if !step.hint.isEmpty { out += pad("", 17) + "what to do: " + step.hint + "\n" }
            }
            out += ok ? "all checks passed\n" : "cairn doctor: step \(all.first { $0.status == .fail }?.name ?? "?") failed\n"
            Commands.output(out)
        }
        return ok ? 0 : 1
    }

    static func pad(_ text: String, _ width: Int) -> String {
        var padded = text
        while padded.utf8.count < width { padded += " " }
        return padded
    }

    static func configSource(_ arguments: [String]) -> String {
        for (index, argument) in arguments.enumerated() {
            if argument.hasPrefix("--config=") { return String(argument.dropFirst(9)) }
            if argument == "--config", index + 1 < arguments.count { return arguments[index + 1] }
        }
        return "defaults"
    }

    static func isUsage(_ message: String) -> Bool {
        message.hasPrefix("unknown flag") || message.hasPrefix("unexpected argument") || message.hasSuffix("needs a value")
    }
}
