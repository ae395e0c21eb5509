import Foundation

/// A loopback TCP port that was free a moment ago, below the kernel's ephemeral
/// range (`ip_local_port_range`), so that no outgoing connection of this or a
/// concurrent test run can take it between this check and the bind of the
/// server the test starts (port 0 handed out ephemeral ports, and a busy suite
/// then met "Address already in use" now and then).
public func freeLoopbackPort() -> Int {
    let ephemeralStart = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
        .flatMap { Int($0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first ?? "") } ?? 32768
    let range = 10_000..<max(10_001, min(ephemeralStart, 65_536))
    for _ in 0..<1000 {
        let port = Int.random(in: range)
        // Claimed first, probed second: the probe binds the port for a moment, and a port
        // another run claimed may be between a close and a bind again (a reconfigured HTTP
        // input), when that probe would make the other run's bind fail ("Address already in use").
        guard reserve(port) else { continue }
        if canBind(port) { return port }
        unlink(claimFile(port))
    }
    preconditionFailure("no free loopback port in \(range)")
}

/// Claims `port` for this test run against every other test process on the machine
/// (the host suite, the sanitized one and one per architecture run side by side in CI):
/// a port a test closes and binds again (a reconfigured HTTP input) is free in between,
/// and another run must not pick it then. The claim is a file created with O_EXCL in a
/// shared directory, expired after `portClaimSeconds`.
func reserve(_ port: Int) -> Bool {
    let file = claimFile(port)
    for _ in 0..<2 {
        let fd = open(file, O_CREAT | O_EXCL | O_WRONLY, 0o644)
        if fd >= 0 {
            close(fd)
            return true
        }
        // Claimed: by a run still going, or one long gone (then the claim is taken over).
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date,
              Date().timeIntervalSince(modified) > portClaimSeconds else { return false }
        unlink(file)
    }
    return false
}

/// The file that claims `port` (its directory made on first use).
func claimFile(_ port: Int) -> String {
    let directory = NSTemporaryDirectory() + "cairn-test-ports"
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return "\(directory)/\(port)"
}

/// How long a claimed port stays out of other runs' reach: longer than any one test.
let portClaimSeconds: TimeInterval = 30 * 60

/// Whether 127.0.0.1:port can be bound right now (bound, not listened on, then closed).
func canBind(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let length = socklen_t(MemoryLayout<sockaddr_in>.size)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 }
    }
}

/// Polls until the condition holds or the timeout passes; returns whether it held.
@discardableResult
public func waitUntil(timeout: TimeInterval, interval: TimeInterval = 0.1, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    return condition()
}

/// Who holds TCP `port` on this machine right now (`ss`: state, addresses, process),
/// for the message of a test whose own claimed port turned out to be taken.
public func portHolders(_ port: Int) -> String {
    let found = (try? runTool("ss", ["-Htanp", "( sport = :\(port) or dport = :\(port) )"]))?.output ?? "ss did not run"
    return found.isEmpty ? "nothing on port \(port) now" : found
}
