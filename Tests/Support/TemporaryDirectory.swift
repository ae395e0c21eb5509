import Foundation

/// A fresh directory under the system temp dir, removed when released.
public final class TemporaryDirectory {
    public let path: String

    public init(_ prefix: String = "cairn-test") {
        let base = NSTemporaryDirectory() + "\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try! FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    /// Removed with its contents, unless CAIRN_KEEP_TEST_DIRS is set (to look at a failed test's files).
    deinit {
        guard ProcessInfo.processInfo.environment["CAIRN_KEEP_TEST_DIRS"] == nil else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes a file, creating parent directories, as sysfs/procfs fixtures need.
    public func write(_ name: String, _ contents: String) {
        let full = file(name)
        try! FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! contents.write(toFile: full, atomically: false, encoding: .utf8)
    }

    public func remove(_ name: String) { try? FileManager.default.removeItem(atPath: file(name)) }
}
