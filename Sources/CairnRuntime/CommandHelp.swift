import CairnControl
import CairnCore

/// What `cairn --help` and `cairn <command> --help` print: each command's
/// usage, what it does and the flags it uses (flags from the option table).
struct CommandHelp {
    let name: String
    let usage: String
    let summary: String
    let flags: [HelpText.Row]

    static let all = [
        CommandHelp(name: "run", usage: "cairn run [flags]",
                    summary: "read sensors, queue readings, forward them to the broker",
                    flags: [HelpText.configRow] + HelpText.optionRows()),
        CommandHelp(name: "status", usage: "cairn status [--data-dir DIR | --config FILE]",
                    summary: "show whether the agent runs, and its status (same --data-dir / --config as run)",
                    flags: [HelpText.configRow] + HelpText.optionRows(keys: ["data_dir"])),
        CommandHelp(name: "sensors", usage: "cairn sensors [--config FILE] [--sysfs-root DIR] [--proc-root DIR]",
                    summary: "list the sensors found on this device and their readings",
                    flags: [HelpText.configRow] + HelpText.optionRows(keys: ["sysfs_root", "proc_root"])),
        CommandHelp(name: "config", usage: "cairn config show [--config FILE] [flags]",
                    summary: "show each setting in force and where it comes from: default < file < pushed document < flag",
                    flags: [HelpText.Row("show", "every setting, its value and its layer; the pushed configuration's state")]
                        + [HelpText.configRow] + HelpText.optionRows(keys: ["data_dir"])),
        CommandHelp(name: "queue", usage: "cairn queue stats|peek|purge [--stream S] [--limit N] [--data-dir DIR | --config FILE]",
                    summary: "stats | peek | purge: inspect the queue (safe while the agent runs)",
                    flags: [
                        HelpText.Row("stats", "records, bytes used of the budget, oldest record per stream, losses"),
                        HelpText.Row("peek", "show the oldest records of each stream"),
                        HelpText.Row("purge", "delete the records of a stream (or all), counted as purged"),
                        HelpText.Row("--stream S", "events, metadata or telemetry (peek, purge; default: all)"),
                        HelpText.Row("--limit N", "records per stream that peek shows (default: 10)"),
                        HelpText.configRow,
                    ] + HelpText.optionRows(keys: ["data_dir"])),
    ]

    static func named(_ name: String) -> CommandHelp? {
        all.first { $0.name == name }
    }

    var text: String {
        "usage: \(usage)\n\n\(summary)\n\n\(name == "queue" ? "actions and flags" : "flags"):\n" + HelpText.render(flags)
    }

    /// `cairn --help`.
    static func overview() -> String {
        let commands = all.map { HelpText.Row($0.name, $0.summary) } + [
            HelpText.Row("--version", "print version, architecture and C library"),
            HelpText.Row("--help", "this text; cairn <command> --help for one command"),
        ]
        return "\(BuildInfo.summary): edge agent for IoT gateways\n\nusage: cairn <command> [flags]\n\ncommands:\n"
            + HelpText.render(commands)
            + "\nflags of cairn run (each also a key of the JSON config file, e.g. \"data_dir\"):\n"
            + HelpText.render([HelpText.configRow] + HelpText.optionRows())
    }

    /// Whether the arguments ask for help rather than for the command.
    static func asked(_ arguments: [String]) -> Bool {
        arguments.contains("--help") || arguments.contains("-h")
    }
}
