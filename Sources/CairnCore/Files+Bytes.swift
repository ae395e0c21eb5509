import CSystem

extension Files {
    /// The whole file as bytes, exactly as stored (no UTF-8 repair), nil when it cannot
    /// be opened or read or is larger than `limit`. Signed documents need the exact bytes.
    public static func readBytes(_ path: String, limit: Int = 16 << 20) -> [UInt8]? {
        let fd = path.withCString { cairn_open($0, O_RDONLY | O_CLOEXEC, 0) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { CSystem.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if cairn_errno() == EINTR { continue }
                return nil
            }
            if n == 0 { return bytes }
            guard bytes.count + n <= limit else { return nil }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// Creates a new file with these bytes and permission bits (the umask applies);
    /// fails with EEXIST rather than replace a file that is there (a key, say).
    public static func create(_ path: String, _ bytes: [UInt8], mode: Int32) throws(SystemError) {
        let fd = path.withCString { cairn_open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw SystemError("create", path: path) }
        var copy = bytes
        let ok = copy.isEmpty || copy.withUnsafeMutableBytes { Glue.writeAll(fd, $0.baseAddress!, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard ok, synced else {
            let error = SystemError("write", path: path)
            remove(path)
            throw error
        }
    }
}
