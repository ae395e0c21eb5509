import CairnCore

/// What `cairn init --first-boot` did with a provisioning file, kept in
/// `<data_dir>/provisioning.json` for the agent: it logs it and puts it in the
/// `config.applied` event at its next start (once: then `reported`), and shows it in status.
struct ProvisioningRecord {
    static let fileName = "provisioning.json"

    var time: Int64
    /// The provisioning file as it was found.
    var file: String
    var applied: Bool
    /// The config file written (applied) or left as it was (rejected), and the version of the written one.
    var config: String
    var configVersion: String
    /// Each error, `file:line:column: $.path: message` (rejected).
    var errors: [String]
    /// Where the rejected file and its errors are now.
    var renamedTo: String
    var reported = false

    var outcome: String { applied ? "applied" : "rejected" }

    /// The record as status and the `config.applied` event show it.
    var summary: JSONValue {
        var members: [JSONMember] = [
            .text("outcome", outcome), .text("file", file), .text("at", Clock.rfc3339(time)), .text("config", config),
        ]
        if applied { members.append(.text("config_version", configVersion)) }
        if !renamedTo.isEmpty { members.append(.text("renamed_to", renamedTo)) }
        if !errors.isEmpty { members.append(JSONMember(key: "errors", value: .array(errors.map { .string($0) }))) }
        return .object(members)
    }

    var value: JSONValue {
        .object([
            .number("time", time), .text("file", file), .text("outcome", outcome), .text("config", config),
            .text("config_version", configVersion), JSONMember(key: "errors", value: .array(errors.map { .string($0) })),
            .text("renamed_to", renamedTo), JSONMember(key: "reported", value: .bool(reported)),
        ])
    }

    init(time: Int64, file: String, applied: Bool, config: String, configVersion: String = "", errors: [String] = [], renamedTo: String = "") {
        self.time = time
        self.file = file
        self.applied = applied
        self.config = config
        self.configVersion = configVersion
        self.errors = errors
        self.renamedTo = renamedTo
    }

    init?(_ value: JSONValue) {
        guard let time = value["time"]?.integer, let file = value["file"]?.string, let outcome = value["outcome"]?.string else { return nil }
        self.init(time: time, file: file, applied: outcome == "applied", config: value["config"]?.string ?? "",
                  configVersion: value["config_version"]?.string ?? "", errors: value["errors"]?.array?.compactMap { $0.string } ?? [],
                  renamedTo: value["renamed_to"]?.string ?? "")
        reported = value["reported"]?.bool ?? false
    }

    static func path(dataDirectory: String) -> String { "\(dataDirectory)/\(fileName)" }

    static func read(dataDirectory: String) -> ProvisioningRecord? {
        guard let text = Files.read(path(dataDirectory: dataDirectory), limit: 1 << 20) else { return nil }
        return (try? JSONParser.parse(text)).flatMap { ProvisioningRecord($0) }
    }

    func write(dataDirectory: String, owner: (uid: UInt32, gid: UInt32)? = nil) throws(SystemError) {
        try Files.makeDirectories(dataDirectory)
        try Files.writeAtomically(ProvisioningRecord.path(dataDirectory: dataDirectory), JSONWriter.encode(value) + "\n", durable: true,
                                  mode: owner == nil ? nil : 0o644, owner: owner)
    }
}
