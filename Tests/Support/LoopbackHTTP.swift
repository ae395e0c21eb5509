import Foundation

/// A bare HTTP/1.1 client over a loopback socket: what a test needs to see
/// exactly what the agent's endpoint answers (status, headers, body), and to
/// send bodies in pieces or chunked, which a higher-level client would hide.
public enum LoopbackHTTP {
    /// Writes the pieces (pausing between them, so they arrive as separate reads)
    /// and returns everything the server sent until it closed.
    public static func exchange(port: Int, _ pieces: [String], pause: TimeInterval = 0.05) throws -> String {
        let fd = try connection(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        for (index, piece) in pieces.enumerated() {
            // Pacing: the pieces arrive apart, as a slow client sends them.
            if index > 0 { Thread.sleep(forTimeInterval: pause) }
            // MSG_NOSIGNAL: the server may close early (413), and SIGPIPE would end the test run.
            _ = Array(piece.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// A TCP connection to 127.0.0.1:`port`, from `source` (another loopback address
    /// reaches it too) when given; the caller closes the descriptor.
    public static func connection(port: Int, from source: String? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        func call(_ address: String, port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = in_port_t(UInt16(port).bigEndian)
            socketAddress.sin_addr.s_addr = inet_addr(address)
            return withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        let bound = source.map { call($0, port: 0) { bind(fd, $0, $1) } } ?? 0
        guard bound == 0, call("127.0.0.1", port: port, { connect(fd, $0, $1) }) == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        return fd
    }

    /// Status code, lower-cased header names, body.
    public static func parse(_ response: String) -> (status: Int, headers: [String: String], body: String) {
        let parts = response.components(separatedBy: "\r\n\r\n")
        let lines = parts[0].components(separatedBy: "\r\n")
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// One GET with Connection: close.
    public static func get(port: Int, path: String, headers: [String: String] = [:]) throws
        -> (status: Int, headers: [String: String], body: String) {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        return parse(try exchange(port: port, [request + "\r\n"]))
    }

    /// One POST with Connection: close.
    public static func post(port: Int, path: String, body: String, headers: [String: String] = [:]) throws
        -> (status: Int, headers: [String: String], body: String) {
        var request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        return parse(try exchange(port: port, [request + "\r\n" + body]))
    }
}
