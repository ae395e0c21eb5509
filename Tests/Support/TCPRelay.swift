import Foundation

/// A loopback TCP relay in front of a real server (a broker), to take the
/// network away from a running agent and give it back: `cut()` closes every
/// relayed connection and stops accepting (connects are refused), `restore()`
/// accepts again on the same port. One thread moves the bytes.
public final class TCPRelay {
    public let port: Int
    /// What the relay thread shares with its owner (the thread keeps it, not the relay).
    private final class Shared {
        let lock = NSLock()
        var commands: [(Bool, DispatchSemaphore)] = []
        var stopped = false
    }
    private let shared = Shared()

    public init(to target: Int) {
        let port = freeLoopbackPort()
        self.port = port
        let shared = self.shared
        Thread { TCPRelay.run(shared, port: port, target: target) }.start()
        // Listening before anyone connects.
        _ = waitUntil(timeout: 5, interval: 0.01) { Broker.accepts(port: port) }
    }

    deinit { stop() }

    public var url: String { "mqtt://127.0.0.1:\(port)" }

    /// Drops every connection and refuses new ones until `restore`.
    public func cut() { command(false) }

    public func restore() { command(true) }

    public func stop() {
        shared.lock.lock(); shared.stopped = true; shared.lock.unlock()
    }

    private func command(_ listen: Bool) {
        let done = DispatchSemaphore(value: 0)
        shared.lock.lock(); shared.commands.append((listen, done)); shared.lock.unlock()
        done.wait()
    }

    private static func run(_ shared: Shared, port: Int, target: Int) {
        var listener = TCPRelay.listen(port)
        var pairs: [(Int32, Int32)] = []
        while true {
            shared.lock.lock()
            let pending = shared.commands
            shared.commands.removeAll()
            let stop = shared.stopped
            shared.lock.unlock()
            for (listen, done) in pending {
                if listen {
                    if listener < 0 { listener = TCPRelay.listen(port) }
                } else {
                    if listener >= 0 { close(listener); listener = -1 }
                    for (a, b) in pairs { close(a); close(b) }
                    pairs.removeAll()
                }
                done.signal()
            }
            if stop {
                if listener >= 0 { close(listener) }
                for (a, b) in pairs { close(a); close(b) }
                return
            }
            var fds = [pollfd]()
            if listener >= 0 { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
            for (a, b) in pairs {
                fds.append(pollfd(fd: a, events: Int16(POLLIN), revents: 0))
                fds.append(pollfd(fd: b, events: Int16(POLLIN), revents: 0))
            }
            guard poll(&fds, nfds_t(fds.count), 20) > 0 else { continue }
            var closed = Set<Int32>()
            for fd in fds where fd.revents != 0 {
                if fd.fd == listener {
                    let client = accept(listener, nil, nil)
                    guard client >= 0 else { continue }
                    let server = TCPRelay.connect(target)
                    if server < 0 { close(client) } else { pairs.append((client, server)) }
                    continue
                }
                guard let pair = pairs.first(where: { $0.0 == fd.fd || $0.1 == fd.fd }), !closed.contains(fd.fd) else { continue }
                let peer = pair.0 == fd.fd ? pair.1 : pair.0
                var buffer = [UInt8](repeating: 0, count: 65536)
                let n = read(fd.fd, &buffer, buffer.count)
                if n <= 0 || !TCPRelay.writeAll(peer, Array(buffer[0..<n])) {
                    close(pair.0); close(pair.1)
                    closed.insert(pair.0); closed.insert(pair.1)
                }
            }
            pairs.removeAll { closed.contains($0.0) }
        }
    }

    private static func address(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func listen(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = address(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else { close(fd); return -1 }
        return fd
    }

    private static func connect(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = address(port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); return -1 }
        return fd
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}
