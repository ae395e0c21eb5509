import CairnControl
import CairnCore
import CairnMQTT

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
        CommandHelp(name: "status", usage: "cairn status [--json] [--data-dir DIR | --config FILE]",
                    summary: "show whether the agent runs, and its status (same --data-dir / --config as run); the running agent also serves it at status_listen (docs/status.md)",
                    flags: [HelpText.configRow, HelpText.Row("--json", "the status document as JSON, as /api/status serves it")] + HelpText.optionRows(keys: ["data_dir"])),
        CommandHelp(name: "sensors", usage: "cairn sensors [--config FILE] [--sysfs-root DIR] [--proc-root DIR]",
                    summary: "list the sensors found on this device and their readings",
                    flags: [HelpText.configRow] + HelpText.optionRows(keys: ["sysfs_root", "proc_root"])),
        CommandHelp(name: "config", usage: "cairn config show [--config FILE] [flags] | cairn config check FILE [flags]",
                    summary: "show each setting in force and where it comes from: default < file < pushed document < flag; or check a config file (docs/config.md)",
                    flags: [HelpText.Row("show", "every setting, its value and its layer; the pushed configuration's state"),
                            HelpText.Row("check FILE", "every error in FILE, one line each (file:line:column: $.path: message), exit 1; else a summary, exit 0")]
                        + [HelpText.configRow] + HelpText.optionRows(keys: ["data_dir"])),
        CommandHelp(name: "init", usage: "cairn init [--output FILE] [--force] [--device-id ID] [--broker URL] [--ca-file FILE] [--cert-file FILE] [--key-file FILE] [--username NAME] [--password SECRET] [--config-public-key FILE]... [--no-check] | cairn init --first-boot [--provision-file FILE] [--output FILE]",
                    summary: "write the config file from flags, asking on a terminal for what they leave out (checked first, mode 0600 with a password); or take in a per-device provisioning file at first boot (docs/provisioning.md)",
                    flags: [
                        HelpText.Row("--output FILE", "the config file to write (default: /etc/cairn/cairn.json)"),
                        HelpText.Row("--force", "replace an existing file (without it, an existing file is left alone, exit 1)"),
                        HelpText.Row("--config-public-key FILE", "an Ed25519 public key pushed configurations must be signed with (repeatable)"),
                        HelpText.Row("--no-check", "write the file only, without the connection checks afterwards"),
                        HelpText.Row("--first-boot", "take in provision_file if it is there: merge it into --output, write its inline PEM under the config's directory (0600), remove it; an invalid one is renamed FILE.invalid with FILE.error beside it"),
                    ] + HelpText.optionRows(keys: InitCommand.settings + ["provision_file"])),
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
        CommandHelp(name: "doctor", usage: "cairn doctor [--config FILE] [flags] [--json]",
                    summary: "check the installed configuration step by step: config, data_dir, clock, dns, tcp, tls, mqtt (CONNACK), round_trip (a test message under the device's prefix back within 10 s); say which step fails and what to do; exit 0 only when every step passes (docs/doctor.md)",
                    flags: [HelpText.Row("--config FILE", "the config file (default: \(Doctor.defaultConfigFile) when it exists, else the built-in defaults)"),
                            HelpText.Row("--json", "{\"ok\", \"config\", \"steps\": [{\"step\", \"status\": pass|fail|skip, \"message\", \"hint\"}]}")]
                        + HelpText.optionRows()),
        CommandHelp(name: "ctl", usage: "cairn ctl keygen|sign|verify|push|status [flags]  (cairn ctl <command> --help)",
                    summary: "the controller's side of configuration push: keys, signed documents, pushing to devices, their status (docs/control.md)",
                    flags: [
                        HelpText.Row("keygen", "make an Ed25519 key pair for signing desired documents"),
                        HelpText.Row("sign", "print the signed envelope of a desired document"),
                        HelpText.Row("verify", "check an envelope as a device with these public keys would"),
                        HelpText.Row("push", "publish a desired document to devices and wait for their reports"),
                        HelpText.Row("status", "presence, agent and configuration version, last report of devices"),
                    ]),
    ]

    /// The `cairn ctl` commands, found by `named("ctl push")` etc.; not in the overview.
    static let controller = [
        CommandHelp(name: "ctl keygen", usage: "cairn ctl keygen --out KEY.pem",
                    summary: "make an Ed25519 key pair: the private key in KEY.pem (mode 0600, for cairn ctl sign and push --sign-key), the public key in KEY.pub.pem (for the devices' config_public_keys); never overwrites a file",
                    flags: [HelpText.Row("--out KEY.pem", "where to write the private key (required)")]),
        CommandHelp(name: "ctl sign", usage: "cairn ctl sign --key KEY.pem DOC.json",
                    summary: "print the signed envelope of a desired document on stdout: {\"document\": base64 of the file's exact bytes, \"signature\": base64 of the Ed25519 signature over them}; the same file and key always give the same envelope",
                    flags: [HelpText.Row("--key KEY.pem", "the Ed25519 private key (PEM, as cairn ctl keygen or openssl genpkey -algorithm ed25519 write)")]),
        CommandHelp(name: "ctl verify", usage: "cairn ctl verify --key PUB.pem [--key PUB.pem ...] DOC.signed.json",
                    summary: "do what a device whose config_public_keys are these keys does with the file: print the document it would apply (exit 0), or say why it would reject it (exit 1)",
                    flags: [HelpText.Row("--key PUB.pem", "a trusted Ed25519 public key (PEM file; repeatable)")]),
        CommandHelp(name: "ctl push", usage: "cairn ctl push --broker URL (--device ID ... | --devices FILE) [--sign-key KEY] DOC.json",
                    summary: "publish DOC.json retained to each device's <prefix>/config/desired over one connection, wait until each device reports that version on <prefix>/config/reported (or the timeout), print device, version, status and errors; exit 0 only when every device applied it. A device whose broker already retains the same bytes is not published to again. DOC.json may be a signed envelope (cairn ctl sign) pushed as it is",
                    flags: controllerFlags + [
                        HelpText.Row("--sign-key KEY.pem", "sign the document with this Ed25519 private key and push the envelope"),
                        HelpText.Row("--timeout S", "seconds to wait for connection and reports, all devices together (default: 30)"),
                    ]),
        CommandHelp(name: "ctl status", usage: "cairn ctl status --broker URL (--device ID ... | --devices FILE)",
                    summary: "what the broker retains for each device: presence (<prefix>/state), agent version and config_version (<prefix>/meta), the last configuration report (<prefix>/config/reported: version, status, pushed version in force, first error)",
                    flags: controllerFlags + [HelpText.Row("--timeout S", "seconds to wait for the broker (default: 10)")]),
    ]

    static let controllerFlags = [
        HelpText.Row("--broker URL", "mqtt://host[:port] or mqtts://host[:port] (required)"),
        HelpText.Row("--device ID", "a device (repeatable)"),
        HelpText.Row("--devices FILE", "devices, one id per line; # starts a comment"),
        HelpText.Row("--topic-prefix-template T", "each device's topic prefix, {device} standing for its id (default: cairn/{device})"),
        HelpText.Row("--ca-file FILE", "CA bundle for mqtts:// (default: \(MQTTTLS.systemCAFile))"),
        HelpText.Row("--cert-file FILE", "client certificate for mutual TLS (with --key-file)"),
        HelpText.Row("--key-file FILE", "its private key"),
        HelpText.Row("--username NAME", "MQTT user name"),
        HelpText.Row("--password TEXT", "MQTT password"),
        HelpText.Row("--mqtt-version V", "5 (default) or 3.1.1"),
        HelpText.Row("--client-id ID", "MQTT client id (default: cairn-ctl-<pid>-<random>)"),
    ]

    static func named(_ name: String) -> CommandHelp? {
        all.first { $0.name == name } ?? controller.first { $0.name == name }
    }

    var text: String {
        "usage: \(usage)\n\n\(HelpText.wrap(summary, width: HelpText.width).joined(separator: "\n"))\n\n\(name == "queue" ? "actions and flags" : name == "ctl" ? "commands" : "flags"):\n" + HelpText.render(flags)
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
