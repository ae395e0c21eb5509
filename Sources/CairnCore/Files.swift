import CSystem

/// Small file-system helpers over libc: the agent reads sysfs/procfs and
/// writes its own state files, nothing more elaborate.
public enum Files {
    /// Whole file as text, nil when it cannot be opened or read (a vanished sensor, say).
    public static func read(_ path: String, limit: Int = 1 << 20) -> String? {
        let fd = path.withCString { cairn_open($0, O_RDONLY | O_CLOEXEC, 0) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let n = chunk.withUnsafeMutableBytes { CSystem.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if cairn_errno() == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// First line of a file without surrounding white space (sysfs attribute style).
    public static func readValue(_ path: String) -> String? {
        guard let text = read(path, limit: 4096) else { return nil }
        return Text.trimmed(text)
    }

    public static func exists(_ path: String) -> Bool {
        path.withCString { access($0, F_OK) } == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return path.withCString { stat($0, &info) } == 0 && Int(info.st_mode) & Int(S_IFMT) == Int(S_IFDIR)
    }

    /// Names in a directory (without . and ..), sorted so discovery order is stable.
    public static func list(_ path: String) -> [String] {
        guard let dir = path.withCString({ opendir($0) }) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        // The C string is libc's until the next readdir: String(cString:) copies it
        // (up to its NUL) before the loop asks for another. Never read `struct dirent`
        // here: its records are shorter than the declared struct (docs/c-boundary.md).
        while let entry = cairn_readdir_name(dir) {
            let name = String(cString: entry)
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Creates a directory and its parents; succeeds when it already exists.
    public static func makeDirectories(_ path: String) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += String(part) + "/"
            if prefix.withCString({ mkdir($0, 0o755) }) != 0 && cairn_errno() != EEXIST {
                throw SystemError("mkdir", path: prefix)
            }
        }
        guard isDirectory(path) else { throw SystemError("mkdir", path: path, code: ENOTDIR) }
    }

    /// Writes through a temporary file and rename(2), so readers never see half a file.
    /// `durable` adds an fsync of the file before the rename and of its directory
    /// after it, for files that must survive a power cut (not status). `mode`: the
    /// file's permission bits exactly (umask aside; 0600 for secrets), set before a byte
    /// is written; `owner`: its user and group, when given (root making a file for a service user).
    public static func writeAtomically(_ path: String, _ text: String, durable: Bool = true, mode: Int32? = nil,
                                       owner: (uid: UInt32, gid: UInt32)? = nil) throws(SystemError) {
        let temporary = path + ".tmp"
        if mode != nil { remove(temporary) }
        let fd = temporary.withCString { cairn_open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode ?? 0o644) }
        guard fd >= 0 else { throw SystemError("open", path: temporary) }
        if let mode, fchmod(fd, mode_t(mode)) != 0 {
            close(fd)
            throw SystemError("chmod", path: temporary)
        }
        if let owner, fchown(fd, uid_t(owner.uid), gid_t(owner.gid)) != 0 {
            close(fd)
            throw SystemError("chown", path: temporary)
        }
        var bytes = Array(text.utf8)
        let ok = bytes.withUnsafeMutableBytes { Glue.writeAll(fd, $0.baseAddress!, $0.count) }
        let synced = !durable || fsync(fd) == 0
        close(fd)
        guard ok, synced else { throw SystemError("write", path: temporary) }
        guard temporary.withCString({ tmp in path.withCString { rename(tmp, $0) } }) == 0 else {
            throw SystemError("rename", path: path)
        }
        if durable { try syncDirectory(containing: path) }
    }

    public static func remove(_ path: String) {
        _ = path.withCString { unlink($0) }
    }

    /// Removes a file so that the removal survives a power cut (the directory is synced); absent is fine.
    public static func removeDurably(_ path: String) throws(SystemError) {
        if path.withCString({ unlink($0) }) != 0 && cairn_errno() != ENOENT { throw SystemError("unlink", path: path) }
        try syncDirectory(containing: path)
    }

    /// fsync(2) of the directory holding `path`: makes a rename or unlink in it durable.
    public static func syncDirectory(containing path: String) throws(SystemError) {
        var directory = "."
        if let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) {
            directory = slash == path.utf8.startIndex ? "/" : String(decoding: path.utf8[..<slash], as: UTF8.self)
        }
        let fd = directory.withCString { cairn_open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) }
        guard fd >= 0 else { throw SystemError("open", path: directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemError("fsync", path: directory) }
    }

    /// Bytes available to an unprivileged writer on the filesystem holding path.
    public static func freeBytes(_ path: String) -> Int64? {
        var info = statvfs()
        guard path.withCString({ statvfs($0, &info) }) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}

/// libc glue that several layers need.
public enum Glue {
    /// write(2) until everything is written or a real error occurs.
    public static func writeAll(_ fd: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let n = write(fd, base + offset, count - offset)
            if n < 0 {
                if cairn_errno() == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}
