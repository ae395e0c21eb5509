/// The command line. Embedded Swift has no `CommandLine`, so there it is read
/// from /proc/self/cmdline (NUL-separated; qemu-user emulates it too).
public enum ProcessArguments {
    /// Arguments after the program name.
    public static func current() -> [String] {
        #if hasFeature(Embedded)
        guard let text = Files.read("/proc/self/cmdline", limit: 256 * 1024) else { return [] }
        var arguments = text.split(separator: "\u{0}", omittingEmptySubsequences: false).map { String($0) }
        if arguments.last == "" { arguments.removeLast() }
        return Array(arguments.dropFirst())
        #else
        return Array(CommandLine.arguments.dropFirst())
        #endif
    }
}
