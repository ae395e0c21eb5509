import Foundation
import Testing
import CairnTestSupport
@testable import CairnHTTP

/// Each of HTTPLimits against a live server on loopback: what libmicrohttpd does at each one.
@Suite struct LimitsTests {
    private func ok() -> Router {
        var router = Router()
        router.on("GET", "/") { _ in HTTPResponse(status: 200, body: "{}") }
        return router
    }

    @Test func aRequestHeadOverTheHeaderLimitIsRefused() throws {
        let running = try RunningServer(limits: HTTPLimits(maxHeaderBytes: 4096), responder: ok())
        defer { running.stop() }
        let small = "GET / HTTP/1.1\r\nHost: x\r\nX-Filler: \(String(repeating: "a", count: 1000))\r\nConnection: close\r\n\r\n"
        #expect(LoopbackHTTP.parse(try LoopbackHTTP.exchange(port: running.port, [small])).status == 200)
        let large = "GET / HTTP/1.1\r\nHost: x\r\nX-Filler: \(String(repeating: "a", count: 8000))\r\nConnection: close\r\n\r\n"
        let refused = try LoopbackHTTP.exchange(port: running.port, [large])
        #expect(LoopbackHTTP.parse(refused).status == 431, "\(refused)")
        // A request line that alone does not fit: 414.
        let longLine = "GET /\(String(repeating: "b", count: 8000)) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        let tooLong = try LoopbackHTTP.exchange(port: running.port, [longLine])
        #expect(LoopbackHTTP.parse(tooLong).status == 414, "\(tooLong)")
        #expect(running.requests.count == 1)   // the handler never saw the large ones
        // The server goes on serving.
        #expect(LoopbackHTTP.parse(try LoopbackHTTP.exchange(port: running.port, [small])).status == 200)
    }

    @Test func moreConnectionsThanTheLimitWaitWhileTheOthersAreServed() throws {
        let running = try RunningServer(limits: HTTPLimits(maxConnections: 2, idleTimeoutSeconds: 30), responder: ok())
        defer { running.stop() }
        // Two kept-alive connections, each answered once: both are accepted and stay open.
        let a = try RawConnection(port: running.port), b = try RawConnection(port: running.port)
        a.get("/"); #expect(a.response()?.status == 200)
        b.get("/"); #expect(b.response()?.status == 200)
        // A third connects (the kernel completes the handshake) but is not taken up.
        let c = try RawConnection(port: running.port)
        c.get("/")
        #expect(c.response(timeout: 0.5) == nil)
        #expect(!c.closed)
        // The agent keeps serving the connections it has.
        a.get("/"); #expect(a.response()?.status == 200)
        // Once one closes, the waiting one is answered.
        b.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(b.response()?.status == 200)
        #expect(c.response()?.status == 200)
    }

    @Test func moreConnectionsFromOneAddressThanItsLimitAreClosed() throws {
        let running = try RunningServer(limits: HTTPLimits(maxConnections: 10, maxConnectionsPerAddress: 2, idleTimeoutSeconds: 30),
                                        responder: ok())
        defer { running.stop() }
        let a = try RawConnection(port: running.port), b = try RawConnection(port: running.port)
        a.get("/"); #expect(a.response()?.status == 200)
        b.get("/"); #expect(b.response()?.status == 200)
        // A third from 127.0.0.1 is accepted and closed at once, without an answer.
        let c = try RawConnection(port: running.port)
        c.get("/")
        let said = c.read(timeout: 10) { _ in false }
        #expect(c.closed)
        #expect(said.isEmpty)
        // Another address is served, and so are the two already open.
        let other = try RawConnection(port: running.port, from: "127.0.0.2")
        other.get("/"); #expect(other.response()?.status == 200)
        a.get("/"); #expect(a.response()?.status == 200)
    }

    @Test func anIdleConnectionIsClosedAfterTheTimeout() throws {
        let running = try RunningServer(limits: HTTPLimits(idleTimeoutSeconds: 1), responder: ok())
        defer { running.stop() }
        let started = Date()
        let idle = try RawConnection(port: running.port)
        idle.get("/"); #expect(idle.response()?.status == 200)
        // Nothing more is sent: only the deadline wakes the loop, and the connection is closed.
        idle.read(timeout: 10) { _ in false }
        #expect(idle.closed)
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= 0.9 && waited < 5, "\(waited)")
        // A half-sent request is closed the same way, unanswered.
        let half = try RawConnection(port: running.port)
        half.send("GET / HTTP/1.1\r\n")
        #expect(half.read(timeout: 10) { _ in false }.isEmpty)
        #expect(half.closed)
        #expect(running.requests.count == 1)
    }

    @Test func limitsAreChecked() {
        #expect(HTTPLimits().problem == nil)
        #expect(HTTPLimits(maxHeaderBytes: 100).problem != nil)
        #expect(HTTPLimits(maxConnections: 0).problem != nil)
        #expect(HTTPLimits(maxConnectionsPerAddress: -1).problem != nil)
        #expect(HTTPLimits(idleTimeoutSeconds: -1).problem != nil)
        #expect(throws: HTTPServerError.self) { _ = try HTTPServer(address: "127.0.0.1", port: 0, limits: HTTPLimits(maxConnections: 0)) { _ in HTTPResponse(status: 200, body: "") } }
    }
}
