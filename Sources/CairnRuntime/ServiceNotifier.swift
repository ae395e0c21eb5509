import CSystem
import CairnCore
import CairnQueue
import CairnUplink

/// Tells the service manager how the agent is doing (sd_notify(3), without libsystemd):
/// one datagram per state to `$NOTIFY_SOCKET` (a path, or `@name` in the abstract
/// namespace). `READY=1` once the queue is open and the loop about to run,
/// `RELOADING=1` … `READY=1` around a SIGHUP reload, `STOPPING=1` at shutdown,
/// `STATUS=` when the connection changes, and `WATCHDOG=1` every half of
/// `$WATCHDOG_USEC` from an event-loop timer (a stuck loop stops the pings, and
/// systemd restarts the agent). A send never blocks; one that fails is logged once
/// at debug and otherwise ignored: the agent runs the same without a manager.
/// Children (command inputs, alarm actions) are started without these variables
/// (`Subprocess.serviceManagerVariables`).
final class ServiceNotifier {
    /// `$NOTIFY_SOCKET` as given.
    let address: String
    /// Half of `$WATCHDOG_USEC` in ms, when the watchdog is on for this process.
    let watchdogPeriod: Int64?
    private var fd: Int32 = -1
    private var failureLogged = false

    init(address: String, watchdogPeriod: Int64?) {
        self.address = address
        self.watchdogPeriod = watchdogPeriod
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// nil when no service manager listens (`$NOTIFY_SOCKET` unset or empty).
    static func fromEnvironment() -> ServiceNotifier? {
        guard let address = environment("NOTIFY_SOCKET"), address.utf8.count >= 2 else { return nil }
        var period: Int64?
        // WATCHDOG_PID, when set, names the process the watchdog is meant for.
        if let usec = environment("WATCHDOG_USEC").flatMap(decimal), usec > 0,
           environment("WATCHDOG_PID").map({ decimal($0) == Int64(getpid()) }) ?? true {
            period = max(1, usec / 2000)
        }
        return ServiceNotifier(address: address, watchdogPeriod: period)
    }

    func ready(status: String) { send("READY=1\nSTATUS=\(ServiceNotifier.line(status))\nMAINPID=\(getpid())") }
    /// MONOTONIC_USEC: systemd ≥ 253 pairs the reload with this time.
    func reloading() { send("RELOADING=1\nMONOTONIC_USEC=\(cairn_monotonic_us())") }
    func stopping() { send("STOPPING=1") }
    func status(_ text: String) { send("STATUS=\(ServiceNotifier.line(text))") }
    func watchdog() { send("WATCHDOG=1") }

    func send(_ message: String) {
        if fd < 0 {
            fd = cairn_notify_socket()
            if fd < 0 {
                failed(cairn_errno())
                return
            }
        }
        var text = message
        let rc = text.withUTF8 { cairn_notify_send(fd, address, $0.baseAddress, $0.count) }
        if rc != 0 { failed(rc) }
    }

    private func failed(_ code: Int32) {
        guard !failureLogged else { return }
        failureLogged = true
        Log.debug("cannot notify the service manager: \(SystemError("send", path: address, code: code)); not reported again")
    }

    /// STATUS= is one line: line breaks of an error text become spaces.
    static func line(_ text: String) -> String {
        var bytes: [UInt8] = []
        for byte in text.utf8 { bytes.append(byte == 10 || byte == 13 ? 32 : byte) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// A non-negative decimal integer, nil for anything else.
    static func decimal(_ text: String) -> Int64? {
        var value: Int64 = 0
        guard !text.isEmpty, text.utf8.count <= 18 else { return nil }
        for byte in text.utf8 {
            guard byte >= 48 && byte <= 57 else { return nil }
            value = value * 10 + Int64(byte - 48)
        }
        return value
    }
}

extension Agent {
    /// Called with the queue open and the loop about to run: the watchdog timer, then READY=1.
    func notifyServiceReady() {
        guard let service else { return }
        if let period = service.watchdogPeriod {
            loop.every(period, delay: period) { service.watchdog() }
            Log.debug("service manager watchdog: a ping every \(period) ms")
        }
        service.ready(status: serviceStatus)
    }

    /// One line for `systemctl status`: the connection and the queue.
    var serviceStatus: String {
        if uplink.isOnline { return "online, \(queue.recordCount) queued" }
        let error = uplink.counters.lastError
        return error.isEmpty ? "offline, \(queue.recordCount) queued" : "offline, \(queue.recordCount) queued: \(error)"
    }
}
