import CSystem
import CairnControl
import CairnCore

/// `cairn init --first-boot`: takes in the per-device provisioning file that an
/// installer dropped on the boot partition (`provision_file`). Valid: its settings
/// are merged over the config file, its inline PEM become files under the config's
/// directory (0600, the service user's), the original is removed. Invalid: it is
/// renamed `<file>.invalid` with `<file>.error` beside it, and nothing else changes.
/// Either way the outcome is recorded for the agent (ProvisioningRecord).
enum FirstBoot {
    /// Inline PEM members, the setting each becomes, its file, and what its PEM must hold.
    static let inline: [(member: String, setting: String, file: String, label: String)] = [
        ("ca_pem", "ca_file", "ca.pem", "CERTIFICATE"),
        ("cert_pem", "cert_file", "cert.pem", "CERTIFICATE"),
        ("key_pem", "key_file", "key.pem", "PRIVATE KEY"),
    ]

    /// 0: no file, or it was applied; 1: it was rejected or could not be applied.
    static func run(_ options: InitCommand.Options) -> Int32 {
        let dataFlag = options.values["data_dir"].map { ["--data-dir", $0] } ?? []
        let current = try? ConfigLoader.load((Files.exists(options.output) ? ["--config", options.output] : []) + dataFlag)
        let path = options.provisionFile ?? current?.agent.provisionFile ?? "/boot/cairn-provision.json"
        guard Files.exists(path) else { return 0 }
        var record: ProvisioningRecord
        var dataDirectory = options.values["data_dir"] ?? current?.agent.dataDirectory ?? ConfigLoader.defaultDataDirectory()
        switch take(path, output: options.output) {
        case .success(let (config, version, written)):
            if options.values["data_dir"] == nil { dataDirectory = config.agent.dataDirectory }
            record = ProvisioningRecord(time: Clock.wallMilliseconds(), file: path, applied: true, config: options.output, configVersion: version)
            Commands.output("cairn: provisioned from \(path): wrote \(written.joined(separator: ", ")); removed \(path)\n")
        case .failure(let errors):
            let lines = ConfigWriter.lines(errors, file: path)
            record = ProvisioningRecord(time: Clock.wallMilliseconds(), file: path, applied: false, config: options.output, errors: lines,
                                        renamedTo: path + ".invalid")
            reject(path, lines)
            for line in lines { Commands.fail(line) }
            Commands.fail("\(path) rejected: renamed \(path).invalid, errors in \(path).error; \(options.output) is unchanged")
        }
        do {
            let created = !Files.exists(dataDirectory)
            try record.write(dataDirectory: dataDirectory, owner: ConfigWriter.serviceOwner)
            // A data directory made here, as root, must be the agent's.
            if created, let owner = ConfigWriter.serviceOwner { _ = dataDirectory.withCString { chown($0, uid_t(owner.uid), gid_t(owner.gid)) } }
        } catch {
            Commands.fail("cannot record the provisioning outcome in \(dataDirectory): \(error)")
        }
        return record.applied ? 0 : 1
    }

    /// Checks the file, then writes the secrets and the config and removes the file.
    /// Returns the configuration written, its version and the files written.
    static func take(_ path: String, output: String) -> Result<(Configuration, String, [String]), ConfigErrors> {
        func failure(_ message: String, line: Int = 0, column: Int = 0, at jsonPath: String = "") -> Result<(Configuration, String, [String]), ConfigErrors> {
            .failure(ConfigErrors(errors: [ConfigError(message, source: path, line: line, column: column, path: jsonPath)]))
        }
        guard let text = Files.read(path, limit: ConfigLoader.maxConfigBytes + 1) else { return failure("cannot read the provisioning file") }
        let document: JSONValue
        do {
            document = try JSONParser.parse(text, maxBytes: ConfigLoader.maxConfigBytes)
        } catch {
            return failure(error.message, line: error.line, column: error.column)
        }
        guard let members = document.members else { return failure("the provisioning file must hold a JSON object, not \(document.kindName)", at: JSONPath.root) }
        // Each setting as `cairn config check` checks it, pointing into this file; the inline PEM here.
        var scratch = ConfigLoader.defaults()
        var errors = ConfigLoader.apply(text: text, source: path, collecting: &scratch, skipping: Set(inline.map { $0.member }))
        var secrets: [(setting: String, file: String, pem: String)] = []
        let directory = ConfigWriter.directory(of: output)
        for item in inline {
            guard let member = members.first(where: { $0.key == item.member }) else { continue }
            let at = JSONPath.member(JSONPath.root, item.member)
            if let pem = member.value.string, Text.contains(pem, "-----BEGIN"), Text.contains(pem, item.label + "-----") {
                if members.contains(where: { $0.key == item.setting }) {
                    errors.append(ConfigError("give \(item.member) or \(item.setting), not both", source: path, line: member.line, column: member.column, path: at))
                }
                secrets.append((item.setting, "\(directory)/\(item.file)", pem.hasSuffix("\n") ? pem : pem + "\n"))
            } else {
                errors.append(ConfigError("\(item.member): expected PEM text (-----BEGIN ...\(item.label)-----)", source: path, line: member.line,
                                          column: member.column, path: at))
            }
        }
        guard errors.isEmpty else { return .failure(errors) }
        // The settings over the config file in place (a generic image's), the secrets' files as settings.
        let settings = members.filter { member in !inline.contains { $0.member == member.key } }
        let base = Files.read(output, limit: ConfigLoader.maxConfigBytes + 1).flatMap { try? JSONParser.parse($0, maxBytes: ConfigLoader.maxConfigBytes) }
        let merged = (try? JSONMergePatch.apply(.object(settings), to: .object(base?.members ?? [])))?.members ?? settings
        func with(_ paths: (String) -> String) -> [JSONMember] {
            merged.filter { member in !secrets.contains { $0.setting == member.key } } + secrets.map { .text($0.setting, paths($0.file)) }
        }
        // Staged beside their final names; the whole configuration checked against them.
        let owner = ConfigWriter.serviceOwner
        var staged: [String] = []
        defer { for file in staged { Files.remove(file) } }
        for secret in secrets {
            do {
                try Files.makeDirectories(directory)
                try Files.writeAtomically(secret.file + ".new", secret.pem, durable: true, mode: 0o600, owner: owner)
                staged.append(secret.file + ".new")
            } catch {
                return failure("cannot write \(secret.file).new: \(error)")
            }
        }
        let config: Configuration
        switch ConfigLoader.check(text: ConfigWriter.text(with { $0 + ".new" }), source: output) {
        case .failure(let found):
            return .failure(ConfigErrors(errors: found.errors.map {
                ConfigError("with the settings of \(output): \($0.message)", source: path, path: $0.path)
            }))
        case .success(let checked): config = checked
        }
        let final = with { $0 }
        let finalText = ConfigWriter.text(final)
        var written: [String] = []
        do throws(SystemError) {
            for secret in secrets {
                guard (secret.file + ".new").withCString({ from in secret.file.withCString { rename(from, $0) } }) == 0 else {
                    throw SystemError("rename", path: secret.file)
                }
                written.append(secret.file)
            }
            staged = []
            if !secrets.isEmpty { try Files.syncDirectory(containing: output) }
            try ConfigWriter.write(output, finalText, secret: ConfigWriter.holdsSecret(final))
            written.insert(output, at: 0)
            try Files.removeDurably(path)
        } catch {
            return failure("cannot apply: \(error)")
        }
        return .success((config, "file:" + ConfigLoader.fingerprint(finalText), written))
    }

    /// `<file>.invalid` and `<file>.error` (the errors, one a line).
    static func reject(_ path: String, _ lines: [String]) {
        let note = "# \(path) was not applied (cairn init --first-boot, \(Clock.rfc3339(Clock.wallMilliseconds()))); fix it and rename it back\n"
        do {
            try Files.writeAtomically(path + ".error", note + lines.joined(separator: "\n") + "\n", durable: true)
        } catch {
            Commands.fail("cannot write \(path).error: \(error)")
        }
        if (path.withCString { from in (path + ".invalid").withCString { rename(from, $0) } }) != 0 {
            Commands.fail("cannot rename \(path): \(SystemError("rename", path: path))")
        }
    }
}
