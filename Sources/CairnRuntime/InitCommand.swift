import CSystem
import CairnControl
import CairnCore

/// `cairn init`: writes the config file (default /etc/cairn/cairn.json) from
/// flags, asking on a terminal for what they leave out, checked with the
/// loader of `cairn config check` before it is written. `--first-boot` takes
/// in a provisioning file instead (FirstBoot.swift). docs/provisioning.md.
enum InitCommand {
    static let defaultOutput = "/etc/cairn/cairn.json"

    /// The settings `cairn init` writes, in the file's order, with their flags.
    static let settings = ["device_id", "broker", "ca_file", "cert_file", "key_file", "username", "password", "data_dir"]

    struct Options {
        var output = InitCommand.defaultOutput
        var force = false
        var noCheck = false
        var firstBoot = false
        var provisionFile: String?
        /// Setting key → value given as a flag.
        var values: [String: String] = [:]
        var publicKeys: [String] = []
    }

    static func run(_ arguments: [String]) -> Int32 {
        let options: Options
        switch parse(arguments) {
        case .success(let parsed): options = parsed
        case .failure(let error):
            Commands.fail("\(error.message) (see cairn init --help)")
            return 2
        }
        if options.firstBoot { return FirstBoot.run(options) }
        if Files.exists(options.output) && !options.force {
            Commands.fail("\(options.output) exists; nothing written (cairn init --force replaces it)")
            return 1
        }
        var values = options.values
        var publicKeys = options.publicKeys
        if isatty(0) == 1 {
            guard InitPrompts.ask(&values, publicKeys: &publicKeys) else {
                Commands.fail("no answer; nothing written")
                return 1
            }
        }
        var members: [JSONMember] = []
        for key in settings {
            if let value = values[key] ?? (key == "data_dir" ? "/var/lib/cairn" : nil) { members.append(.text(key, value)) }
        }
        if !publicKeys.isEmpty { members.append(JSONMember(key: "config_public_keys", value: .array(publicKeys.map { .string($0) }))) }
        let text = ConfigWriter.text(members)
        let config: Configuration
        switch ConfigLoader.check(text: text, source: options.output) {
        case .failure(let errors):
            for error in errors.errors { Commands.fail((error.path.isEmpty ? "" : error.path + ": ") + error.message) }
            Commands.fail("nothing written to \(options.output)")
            return 1
        case .success(let checked): config = checked
        }
        do {
            try ConfigWriter.write(options.output, text, secret: ConfigWriter.holdsSecret(members))
        } catch {
            Commands.fail("cannot write the config: \(error)")
            return 1
        }
        Commands.output("wrote \(options.output) (\(members.count) settings)\n")
        guard !options.noCheck else { return 0 }
        // The file is written either way; the exit status says whether this gateway reaches its broker.
        return Doctor.run(config, source: options.output, json: false)
    }

    /// `--flag value` / `--flag=value`; `--config-public-key` may repeat.
    static func parse(_ arguments: [String]) -> Result<Options, ConfigError> {
        var options = Options()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "--force": options.force = true; continue
            case "--no-check": options.noCheck = true; continue
            case "--first-boot": options.firstBoot = true; continue
            default: break
            }
            let equals = argument.firstIndex(of: "=")
            let flag = equals.map { String(argument[..<$0]) } ?? argument
            let key = settings.first { OptionTable.option(forKey: $0)?.flag == flag }
            guard key != nil || ["--output", "--provision-file", "--config-public-key"].contains(flag) else {
                return .failure(ConfigError("unknown argument \(argument)"))
            }
            let value: String
            if let equals {
                value = String(argument[argument.index(after: equals)...])
            } else {
                guard index < arguments.count else { return .failure(ConfigError("\(flag) needs a value")) }
                value = arguments[index]
                index += 1
            }
            switch flag {
            case "--output": options.output = value
            case "--provision-file": options.provisionFile = value
            case "--config-public-key": options.publicKeys.append(value)
            default: options.values[key ?? flag] = value
            }
        }
        return .success(options)
    }
}
