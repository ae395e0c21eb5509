import CSystem
import CairnCore

/// A child process run without ever blocking the agent's single thread: it is
/// started with posix_spawn, its output is drained from non-blocking pipes and
/// its exit collected with WNOHANG each time `poll` is called, and when its
/// time is up its whole process group gets SIGKILL (and is reaped on a later poll).
public final class Subprocess {
    public enum Outcome: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case outputTooLarge
    }

    public static let outputLimit = 64 * 1024

    public let pid: pid_t
    public let deadline: Int64
    public private(set) var output: [UInt8] = []
    public private(set) var errors: [UInt8] = []
    /// Set once the process has been reaped; until then `poll` must be called.
    public private(set) var outcome: Outcome?
    private var outFD: Int32
    private var errFD: Int32
    /// Why the group was killed, while waiting for it to be reaped.
    private var killedFor: Outcome?

    /// Starts `arguments[0]` (a path, or a name found on PATH). `environment`
    /// entries (`NAME=value`) are added to the agent's own, less the service manager's
    /// variables (the notification socket and the watchdog are the agent's, not its
    /// children's). `deadline` is monotonic ms.
    public init(arguments: [String], environment: [String] = [], deadline: Int64) throws(SystemError) {
        precondition(!arguments.isEmpty)
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard cairn_pipe(&out) == 0 else { throw SystemError("pipe") }
        guard cairn_pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            throw SystemError("pipe")
        }
        var child: pid_t = 0
        let rc = Subprocess.withCStrings(arguments) { argv in
            if environment.isEmpty && !Subprocess.serviceManagerVariables.contains(where: { getenv($0) != nil }) {
                return cairn_spawn(argv, nil, out[1], err[1], &child)
            }
            return Subprocess.withCStrings(Subprocess.inheritedEnvironment() + environment) { envp in
                cairn_spawn(argv, envp, out[1], err[1], &child)
            }
        }
        // The child holds its own copies of the write ends: close ours, or EOF never comes.
        close(out[1]); close(err[1])
        guard rc == 0 else {
            close(out[0]); close(err[0])
            throw SystemError("spawn", path: arguments[0], code: rc)
        }
        pid = child
        outFD = out[0]
        errFD = err[0]
        self.deadline = deadline
    }

    deinit {
        if outcome == nil {
            _ = kill(-pid, SIGKILL)
            // Bounded: the group has just been sent SIGKILL.
            var detail: Int32 = 0
            var tries = 0
            while cairn_reap(pid, &detail) == 0 && tries < 100 {
                usleep(1000)
                tries += 1
            }
        }
        closePipes()
    }

    public var isFinished: Bool { outcome != nil }

    /// Drains output, collects the exit, enforces the deadline. Returns true once finished.
    @discardableResult
    public func poll(now: Int64) -> Bool {
        guard outcome == nil else { return true }
        drain()
        var detail: Int32 = 0
        let state = cairn_reap(pid, &detail)
        switch state {
        case 1, 2:
            // What it wrote before exiting is already in the pipes: take it, then stop.
            drain()
            closePipes()
            outcome = killedFor ?? (state == 1 ? .exited(detail) : .signalled(detail))
            return true
        case -1:
            closePipes()
            outcome = killedFor ?? .signalled(0)
            return true
        default:
            break
        }
        if killedFor == nil && (now >= deadline || output.count > Subprocess.outputLimit || errors.count > Subprocess.outputLimit) {
            killedFor = now >= deadline ? .timedOut : .outputTooLarge
            _ = kill(-pid, SIGKILL)
        }
        return false
    }

    public var outputText: String { String(decoding: output, as: UTF8.self) }

    /// The last non-empty line the process wrote to stderr, for error reports.
    public var lastErrorLine: String? {
        String(decoding: errors, as: UTF8.self).split(separator: "\n").last.map { Text.trimmed($0) }
    }

    private func drain() {
        Subprocess.readAvailable(&outFD, into: &output)
        Subprocess.readAvailable(&errFD, into: &errors)
    }

    private func closePipes() {
        if outFD >= 0 { close(outFD); outFD = -1 }
        if errFD >= 0 { close(errFD); errFD = -1 }
    }

    private static func readAvailable(_ fd: inout Int32, into bytes: inout [UInt8]) {
        guard fd >= 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        // Reads stop at the limit (plus one chunk) so a chatty child cannot grow the agent.
        while bytes.count <= outputLimit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]); continue }
            if n < 0 && cairn_errno() == EINTR { continue }
            if n == 0 { close(fd); fd = -1 }
            return
        }
    }

    /// NULL-terminated C string arrays for argv/envp, valid during `body`.
    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.withCString { strdup($0) } }
        pointers.append(nil)
        defer { for p in pointers { free(p) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// Set by systemd for the agent alone: a child that saw them could send READY=1 or
    /// WATCHDOG=1 in the agent's name (NotifyAccess=main drops those, but the child would
    /// still believe a watchdog expects it).
    static let serviceManagerVariables = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"]

    /// The agent's environment less `serviceManagerVariables`.
    static func inheritedEnvironment() -> [String] {
        var out: [String] = []
        guard var cursor = cairn_environ() else { return out }
        while let entry = cursor.pointee {
            let variable = String(cString: entry)
            if !serviceManagerVariables.contains(where: { variable.hasPrefix($0 + "=") }) { out.append(variable) }
            cursor += 1
        }
        return out
    }
}
