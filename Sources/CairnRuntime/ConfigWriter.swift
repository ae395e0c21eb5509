import CSystem
import CairnControl
import CairnCore

/// Config and secret files as `cairn init` writes them: one setting a line,
/// atomically and durably (temporary file, fsync, rename, fsync of the directory),
/// mode 0600 and owned by the service user when they hold a secret.
enum ConfigWriter {
    /// The user the service runs as (packaging/sysusers.conf), when we are root and it exists.
    static var serviceOwner: (uid: UInt32, gid: UInt32)? {
        guard geteuid() == 0 else { return nil }
        var uid = uid_t(0), gid = gid_t(0)
        guard cairn_user_ids("cairn", &uid, &gid) == 0 else { return nil }
        return (UInt32(uid), UInt32(gid))
    }

    /// A config document: `{`, one `"key": value` a line, `}`.
    static func text(_ members: [JSONMember]) -> String {
        guard !members.isEmpty else { return "{}\n" }
        return "{\n" + members.map { "  " + JSONWriter.encode(.string($0.key)) + ": " + JSONWriter.encode($0.value) }.joined(separator: ",\n") + "\n}\n"
    }

    /// Whether a config holds a credential (`password`, `southbound_password`, `status_token`).
    static func holdsSecret(_ members: [JSONMember]) -> Bool {
        members.contains { OptionTable.secret.contains($0.key) }
    }

    /// Writes `text` at `path`, creating its directory; a secret is 0600 and the service user's.
    static func write(_ path: String, _ text: String, secret: Bool) throws(SystemError) {
        try Files.makeDirectories(directory(of: path))
        try Files.writeAtomically(path, text, durable: true, mode: secret ? 0o600 : 0o644, owner: secret ? serviceOwner : nil)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == path.utf8.startIndex ? "/" : String(decoding: path.utf8[..<slash], as: UTF8.self)
    }

    /// `path:line:column: $.path: message`, as `cairn config check` prints an error.
    static func lines(_ errors: ConfigErrors, file: String) -> [String] {
        errors.errors.map { ConfigCheck.line($0, file: file) }
    }
}
