import CairnControl
import CairnCore

/// A pushed configuration as kept: its version, a digest of the document's
/// bytes (the same version with the same bytes is a no-op), and its full
/// configuration (a patch already merged), the base of the next patch.
struct StoredDocument {
    let version: Int64
    let digest: String
    let config: JSONValue

    /// As a layer of the configuration. It was checked when it was taken, keys included.
    var layer: PushedLayer { PushedLayer(version: version, config: config, signed: true) }

    func members(_ extra: [JSONMember]) -> JSONValue {
        .object([
            JSONMember(key: "version", value: .number(Double(version))),
            JSONMember(key: "digest", value: .string(digest)),
            JSONMember(key: "config", value: config),
        ] + extra)
    }

    init(version: Int64, digest: String, config: JSONValue) {
        self.version = version
        self.digest = digest
        self.config = config
    }

    init?(_ value: JSONValue) {
        guard let version = value["version"]?.integer, version > 0, let digest = value["digest"]?.string,
              let config = value["config"], config.members != nil else { return nil }
        self.init(version: version, digest: digest, config: config)
    }
}

/// A pushed configuration in force but not confirmed yet (no CONNACK under it).
struct PendingPush {
    let document: StoredDocument
    /// Wall times (ms) it was applied and will be rolled back, and the boot it was applied in: for people and `cairn status`.
    let appliedAt: Int64
    let deadline: Int64
    let bootID: String
    /// The last-known-good version it would fall back to.
    let lastKnownGood: Int64
}

/// The pushed-configuration state in `<data_dir>/config/`, each file written
/// atomically and durably (a temporary file, fsync, rename, fsync of the directory):
///
/// * `lkg.json`: the last-known-good pushed document (confirmed: a CONNACK was
///   received under it). Absent: none, the local file alone is known good.
/// * `pending.json`: a pushed document applied but not confirmed yet. Written
///   *before* it is applied, removed once it is confirmed or rolled back: found
///   at start, it means the agent stopped (was killed, crashed, lost power)
///   under an unconfirmed configuration, which is then rolled back.
/// * `reported.json`: the last report, and the newest version taken with the
///   decision about it (versions must increase; the same version with the same
///   bytes is a no-op, answered with that decision).
/// * `starting.json`: the agent is starting under a pushed configuration and has
///   not run `startGrace` yet (crash-at-start detection).
struct PushStore {
    let directory: String

    init(dataDirectory: String) {
        directory = "\(dataDirectory)/config"
    }

    var lkgPath: String { "\(directory)/lkg.json" }
    var pendingPath: String { "\(directory)/pending.json" }
    var reportedPath: String { "\(directory)/reported.json" }
    var startingPath: String { "\(directory)/starting.json" }

    /// Large enough for any document `config_max_bytes` lets in, merged.
    static let readLimit = 64 << 20

    func read(_ path: String) -> JSONValue? {
        guard let text = Files.read(path, limit: PushStore.readLimit) else { return nil }
        return try? JSONParser.parse(text, maxBytes: PushStore.readLimit, maxDepth: JSONParser.defaultMaxDepth + 2)
    }

    func write(_ path: String, _ value: JSONValue) throws(SystemError) {
        try Files.makeDirectories(directory)
        try Files.writeAtomically(path, JSONWriter.encode(value) + "\n", durable: true)
    }

    enum Read<T> {
        case none
        case found(T)
        case unreadable
    }

    func lastKnownGood() -> Read<StoredDocument> {
        guard Files.exists(lkgPath) else { return .none }
        return read(lkgPath).flatMap { StoredDocument($0) }.map { .found($0) } ?? .unreadable
    }

    func writeLastKnownGood(_ document: StoredDocument, confirmedAt: Int64) throws(SystemError) {
        try write(lkgPath, document.members([JSONMember(key: "confirmed_at", value: .number(Double(confirmedAt)))]))
    }

    func removeLastKnownGood() throws(SystemError) { try Files.removeDurably(lkgPath) }

    func pending() -> Read<PendingPush> {
        guard Files.exists(pendingPath) else { return .none }
        guard let value = read(pendingPath), let document = StoredDocument(value) else { return .unreadable }
        return .found(PendingPush(document: document, appliedAt: value["applied_at"]?.integer ?? 0, deadline: value["deadline"]?.integer ?? 0,
                                    bootID: value["boot_id"]?.string ?? "", lastKnownGood: value["lkg"]?.integer ?? 0))
    }

    func writePending(_ record: PendingPush) throws(SystemError) {
        try write(pendingPath, record.document.members([
            JSONMember(key: "applied_at", value: .number(Double(record.appliedAt))),
            JSONMember(key: "deadline", value: .number(Double(record.deadline))),
            JSONMember(key: "boot_id", value: .string(record.bootID)),
            JSONMember(key: "lkg", value: .number(Double(record.lastKnownGood))),
        ]))
    }

    func removePending() throws(SystemError) { try Files.removeDurably(pendingPath) }

    /// The newest version taken (its digest, and the report of what was decided
    /// for it), and the last report published (about it, or about a payload refused since).
    struct Reported {
        var seenVersion: Int64 = 0
        var seenDigest = ""
        var decision: ConfigReport?
        var report: ConfigReport?
    }

    func reported() -> Reported {
        guard let value = read(reportedPath) else { return Reported() }
        return Reported(seenVersion: value["seen_version"]?.integer ?? 0, seenDigest: value["seen_digest"]?.string ?? "",
                        decision: value["decision"].flatMap { ConfigReport($0) }, report: value["report"].flatMap { ConfigReport($0) })
    }

    func writeReported(_ reported: Reported) throws(SystemError) {
        var members = [
            JSONMember(key: "seen_version", value: .number(Double(reported.seenVersion))),
            JSONMember(key: "seen_digest", value: .string(reported.seenDigest)),
        ]
        if let decision = reported.decision { members.append(JSONMember(key: "decision", value: decision.value)) }
        if let report = reported.report { members.append(JSONMember(key: "report", value: report.value)) }
        try write(reportedPath, .object(members))
    }

    /// Starts under pushed version `version` that ended before running `startGrace` (0: none recorded).
    func failedStarts(version: Int64) -> Int {
        guard let value = read(startingPath), value["version"]?.integer == version else { return 0 }
        return Int(value["starts"]?.integer ?? 0)
    }

    func writeStarting(version: Int64, starts: Int) throws(SystemError) {
        try write(startingPath, .object([
            JSONMember(key: "version", value: .number(Double(version))), JSONMember(key: "starts", value: .number(Double(starts))),
        ]))
    }

    func removeStarting() throws(SystemError) { try Files.removeDurably(startingPath) }
}
