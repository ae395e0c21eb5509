import Foundation
import Testing
import CairnTestSupport

/// The agent under a service manager: started with `NOTIFY_SOCKET` (a path, or `@name` in the
/// abstract namespace) and `WATCHDOG_USEC`, it reports READY=1 with its pid, pings the
/// watchdog, wraps a SIGHUP reload in RELOADING=1 … READY=1 and says STOPPING=1 on SIGTERM.
/// Its commands do not see the manager's variables.
@Suite(.serialized) struct SystemdNotifyTests {
    /// A datagram socket bound where systemd's would be; collects what arrives.
    final class NotifySocket {
        let fd: Int32
        /// The value for `NOTIFY_SOCKET`.
        let address: String
        private(set) var messages: [String] = []

        /// `name` starting with "@": the abstract namespace; otherwise a path.
        init(_ name: String) {
            address = name
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            precondition(fd >= 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(name.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            precondition(bytes.count < MemoryLayout.size(ofValue: addr.sun_path))
            withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
            // Abstract: the length ends the name; a path: one NUL more.
            let length = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count + (bytes[0] == 0 ? 0 : 1)
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
            }
            precondition(rc == 0, "bind \(name): errno \(errno)")
        }

        deinit { close(fd) }

        /// Takes every datagram waiting; returns all received so far.
        @discardableResult
        func receive() -> [String] {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                guard n > 0 else { break }
                messages.append(String(decoding: buffer[0..<n], as: UTF8.self))
            }
            return messages
        }

        /// Index of the first message after `start` that starts with `prefix`, waiting up to `timeout`.
        func next(_ prefix: String, after start: Int, timeout: TimeInterval) -> Int? {
            var found: Int?
            _ = waitUntil(timeout: timeout, interval: 0.02) {
                let all = self.receive()
                found = all.indices.first { $0 > start && all[$0].hasPrefix(prefix) }
                return found != nil
            }
            return found
        }
    }

    func exercise(_ socket: NotifySocket) throws {
        let dir = TemporaryDirectory("cairn-notify")
        let sysfs = FakeSysfs(dir)
        sysfs.hwmon(0, name: "testchip")
        sysfs.set(hwmon: 0, "temp1_input", "40000")
        let seen = dir.file("child-env")
        let inputs = #"[{"type": "hwmon"}, {"type": "command", "name": "env", "interval": 1, "run": "echo \"${NOTIFY_SOCKET-unset} ${WATCHDOG_USEC-unset} ${WATCHDOG_PID-unset}\" > \#(seen); echo x 1"}]"#
        let agent = try AgentBinary.start([
            "run", "--device-id", "notify", "--data-dir", dir.file("data"), "--sysfs-root", sysfs.path,
            "--broker", "mqtt://127.0.0.1:9", "--log-level", "debug", "--inputs", inputs,
        ], log: dir.file("agent.log"), environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "400000"])
        defer { if agent.isRunning { agent.killHard() } }

        // Ready, naming the agent's pid (under qemu-user the guest runs in qemu's process: the same pid).
        let ready = try #require(socket.next("READY=1", after: -1, timeout: 30), "no READY=1: \(socket.messages)\n\(agent.log)")
        let lines = socket.messages[ready].split(separator: "\n").map(String.init)
        #expect(lines.contains("MAINPID=\(agent.pid)"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("STATUS=offline") }, "\(lines)")

        // Pings every 200 ms (half of WATCHDOG_USEC), from the loop.
        #expect(waitUntil(timeout: 15, interval: 0.05) {
            socket.receive()[(ready + 1)...].filter { $0 == "WATCHDOG=1" }.count >= 3
        }, "\(socket.messages)")

        // The command ran without the service manager's variables.
        #expect(waitUntil(timeout: 15, interval: 0.05) { FileManager.default.fileExists(atPath: seen) }, "\(agent.log)")
        _ = waitUntil(timeout: 5, interval: 0.05) { ((try? String(contentsOfFile: seen, encoding: .utf8)) ?? "").hasSuffix("\n") }
        #expect((try? String(contentsOfFile: seen, encoding: .utf8)) == "unset unset unset\n")

        // SIGHUP: RELOADING=1, then READY=1 again.
        let before = socket.receive().count - 1
        agent.signal(SIGHUP)
        let reloading = try #require(socket.next("RELOADING=1", after: before, timeout: 15), "\(socket.messages)\n\(agent.log)")
        #expect(socket.messages[reloading].contains("\nMONOTONIC_USEC="))
        #expect(socket.next("READY=1", after: reloading, timeout: 15) != nil, "\(socket.messages)")

        // SIGTERM: STOPPING=1, and a clean exit.
        let beforeStop = socket.receive().count - 1
        #expect(agent.terminate() == 0, "\(agent.log)")
        #expect(socket.next("STOPPING=1", after: beforeStop, timeout: 5) != nil, "\(socket.messages)")
    }

    @Test func aPathSocketGetsReadinessWatchdogReloadAndStopping() throws {
        let dir = TemporaryDirectory("cairn-notify-socket")
        try exercise(NotifySocket(dir.file("notify")))
    }

    @Test func anAbstractSocketGetsTheSame() throws {
        try exercise(NotifySocket("@cairn-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"))
    }

    /// WATCHDOG_PID naming another process: the watchdog is not ours, no pings.
    @Test func aWatchdogMeantForAnotherProcessIsNotPinged() throws {
        let dir = TemporaryDirectory("cairn-notify-pid")
        let socket = NotifySocket(dir.file("notify"))
        FakeSysfs(dir).hwmon(0, name: "testchip")
        let agent = try AgentBinary.start([
            "run", "--device-id", "notify", "--data-dir", dir.file("data"), "--sysfs-root", FakeSysfs(dir).path,
            "--broker", "mqtt://127.0.0.1:9",
        ], log: dir.file("agent.log"), environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "100000", "WATCHDOG_PID": "1"])
        defer { if agent.isRunning { agent.killHard() } }
        let ready = try #require(socket.next("READY=1", after: -1, timeout: 30), "\(agent.log)")
        // Ten ping periods, bounded by the agent's own stop: nothing but STOPPING=1 follows READY=1.
        _ = waitUntil(timeout: 1, interval: 0.05) { socket.receive().contains("WATCHDOG=1") }
        #expect(agent.terminate() == 0)
        #expect(socket.next("STOPPING=1", after: ready, timeout: 5) != nil)
        #expect(!socket.messages.contains("WATCHDOG=1"), "\(socket.messages)")
    }
}
