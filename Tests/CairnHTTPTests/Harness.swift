import Foundation
import Testing
import CairnCore
import CairnTestSupport
@testable import CairnHTTP

/// An HTTPServer on 127.0.0.1 and the loop that drives it, on a thread of its own, the way
/// the agent does (descriptor + nextDeadline); records what the handler saw.
final class RunningServer: @unchecked Sendable {
    let server: HTTPServer
    private let lock = NSLock()
    private var seen: [HTTPRequest] = []
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    init(limits: HTTPLimits = HTTPLimits(maxBodyBytes: 1000),
         respond: @escaping (HTTPRequest) -> HTTPResponse = { _ in HTTPResponse(status: 200, body: "{}") }) throws {
        var record: ((HTTPRequest) -> Void)? = nil
        server = try HTTPServer(address: "127.0.0.1", port: 0, limits: limits) { request in
            record?(request)
            return respond(request)
        }
        record = { [unowned self] request in lock.withLock { seen.append(request) } }
        Thread.detachNewThread { [self] in loop() }
    }

    convenience init<R: HTTPResponder>(limits: HTTPLimits = HTTPLimits(maxBodyBytes: 1000), responder: R) throws {
        try self.init(limits: limits) { responder.respond(to: $0) }
    }

    var port: Int { server.port }
    var requests: [HTTPRequest] { lock.withLock { seen } }

    /// The agent's contract: run() when the descriptor is readable or the deadline passed.
    private func loop() {
        while !lock.withLock({ stopping }) {
            let now = Clock.monotonicMilliseconds()
            let deadline = server.nextDeadline(nowMonotonic: now)
            var fd = pollfd(fd: server.descriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&fd, 1, Int32(max(0, min(deadline - now, 50))))
            if fd.revents != 0 || Clock.monotonicMilliseconds() >= deadline { server.run() }
        }
        finished.signal()
    }

    func stop() {
        lock.withLock { stopping = true }
        finished.wait()
    }
}

/// What a test sees of a response, whichever way it came.
struct TestResponse {
    var status: Int
    /// Lower-cased names.
    var headers: [String: String]
    var body: String
}

/// One test body, two transports (the Hummingbird pattern): the responder called in-process,
/// exactly as the server would call it (`HTTPServer.answer`, the body limit applied), or a
/// live server on loopback reached over a real socket.
enum Transport: String, CaseIterable, CustomStringConvertible {
    case inProcess, live
    var description: String { rawValue }
}

struct TestClient {
    let execute: (_ method: String, _ path: String, _ headers: [String: String], _ body: String) throws -> TestResponse

    func callAsFunction(_ method: String, _ path: String, headers: [String: String] = [:], body: String = "") throws -> TestResponse {
        try execute(method, path, headers, body)
    }
}

func withClient<R: HTTPResponder>(_ transport: Transport, limits: HTTPLimits = HTTPLimits(maxBodyBytes: 1000), responder: R,
                                  _ test: (TestClient) throws -> Void) throws {
    switch transport {
    case .inProcess:
        try test(TestClient { method, path, headers, body in
            let bytes = Array(body.utf8)
            let tooLarge = bytes.count > limits.maxBodyBytes
            let request = HTTPRequest(method: method, path: String(path.split(separator: "?", omittingEmptySubsequences: false)[0]),
                                      authorization: headers["Authorization"], contentType: headers["Content-Type"],
                                      body: tooLarge ? [] : bytes, bodyTooLarge: tooLarge)
            let response = HTTPServer.answer(request) { responder.respond(to: $0) }
            var seen: [String: String] = ["content-type": response.contentType]
            for header in response.headers { seen[header.name.lowercased()] = header.value }
            return TestResponse(status: response.status, headers: seen, body: response.body)
        })
    case .live:
        let running = try RunningServer(limits: limits, responder: responder)
        defer { running.stop() }
        try test(TestClient { method, path, headers, body in
            var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.utf8.count)\r\n" }
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            let parsed = LoopbackHTTP.parse(try LoopbackHTTP.exchange(port: running.port, [head + "\r\n" + body]))
            return TestResponse(status: parsed.status, headers: parsed.headers, body: parsed.body)
        })
    }
}

/// A raw loopback connection for the limit tests: it can come from another loopback address
/// (127.0.0.2 reaches a server on 127.0.0.1), stay open idle, and tell "answered" from
/// "closed without a word" from "nothing yet" within a bounded wait.
final class RawConnection {
    private let fd: Int32
    private var received: [UInt8] = []
    private(set) var closed = false

    init(port: Int, from source: String = "127.0.0.1") throws {
        fd = try LoopbackHTTP.connection(port: port, from: source)
    }

    deinit { close(fd) }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// One request on a kept-alive connection.
    func get(_ path: String) { send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") }

    /// Reads until `done` holds for what arrived, the peer closes, or `timeout` seconds pass.
    @discardableResult
    func read(timeout: Double, until done: (String) -> Bool) -> String {
        let end = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closed && !done(text) {
            let left = end.timeIntervalSinceNow
            if left <= 0 { break }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(left * 1000) + 1) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { closed = true } else { received += buffer[0..<count] }
        }
        return text
    }

    var text: String { String(decoding: received, as: UTF8.self) }

    /// The next complete response (headers and a Content-Length body) and its status, or nil.
    func response(timeout: Double = 10) -> (status: Int, body: String)? {
        read(timeout: timeout) { RawConnection.complete($0) != nil }
        guard let (status, body, length) = RawConnection.complete(text) else { return nil }
        received.removeFirst(length)
        return (status, body)
    }

    private static func complete(_ text: String) -> (Int, String, Int)? {
        let bytes = Array(text.utf8)
        guard let headEnd = (0..<max(0, bytes.count - 3)).first(where: { bytes[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }) else { return nil }
        let parsed = LoopbackHTTP.parse(String(decoding: bytes[..<(headEnd + 4)], as: UTF8.self))
        let length = Int(parsed.headers["content-length"] ?? "0") ?? 0
        guard bytes.count >= headEnd + 4 + length else { return nil }
        return (parsed.status, String(decoding: bytes[(headEnd + 4)..<(headEnd + 4 + length)], as: UTF8.self), headEnd + 4 + length)
    }
}
