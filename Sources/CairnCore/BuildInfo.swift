import CSystem

/// What `cairn --version` and the state/meta documents report about this binary.
public enum BuildInfo {
    public static let version = "0.1.0"

    public static var architecture: String {
        #if arch(x86_64)
        return "x86_64"
        #elseif arch(arm64)
        return "aarch64"
        #elseif arch(arm)
        return "armv7"
        #else
        return "unknown"
        #endif
    }

    public static var libc: String { String(cString: cairn_libc_name()) }

    public static var summary: String { "cairn \(version) (\(architecture), \(libc))" }
}
