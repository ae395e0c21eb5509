import Foundation

/// A real child process with its output captured to a file, signalled like an init system would.
public final class ChildProcess {
    public let process = Process()
    public let logPath: String

    /// `holdStopSignals`: the child starts with SIGTERM, SIGINT and SIGHUP blocked, so one
    /// sent while it is still starting (slow under qemu-user) waits for the handlers a
    /// program installs and unblocks (the agent does, in its signal setup) instead of
    /// killing it half-started. Otherwise it starts with nothing blocked.
    /// `environment`: variables set for the child on top of this process's (which it inherits).
    public init(_ executable: String, _ arguments: [String], log: String, holdStopSignals: Bool = false,
                environment: [String: String] = [:]) throws {
        logPath = log
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)!
        handle.seekToEndOfFile()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = handle
        process.standardError = handle
        // The child inherits this thread's signal mask, and test-runner threads block
        // nearly every signal: a program that does not unblock SIGTERM itself (Mosquitto
        // keeps the mask it was given) would ignore `terminate()` until its SIGKILL.
        var mask = sigset_t()
        var saved = sigset_t()
        sigemptyset(&mask)
        if holdStopSignals {
            for held in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&mask, held) }
        }
        pthread_sigmask(SIG_SETMASK, &mask, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        // Also when the process ended by itself: waitUntilExit is what drops Foundation's
        // run-loop source, which retains the Process (a cycle, and a leak, without it).
        process.waitUntilExit()
    }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Sends SIGTERM and waits; returns the exit status (SIGKILL after the timeout).
    @discardableResult
    public func terminate(timeout: TimeInterval = 10) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        signal(SIGTERM)
        if !waitUntil(timeout: timeout, { !process.isRunning }) { signal(SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    public func killHard() {
        signal(SIGKILL)
        process.waitUntilExit()
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// Finds a program on PATH (mosquitto lives in /usr/sbin).
public func which(_ name: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
