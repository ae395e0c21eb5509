import Foundation
import Testing
import CairnCore
import CairnTestSupport
@testable import CairnHTTP

// The server under test runs in its own poll() loop on a background thread, the way the
// agent drives it (descriptor + nextDeadline; see RunningServer); the client is raw POSIX
// sockets on loopback in the test's thread, so the bytes on the wire (pieces, chunks) are exact.

private func chunked(_ pieces: [String]) -> [String] {
    pieces.map { String(Array($0.utf8).count, radix: 16) + "\r\n" + $0 + "\r\n" } + ["0\r\n\r\n"]
}

@Suite struct HTTPServerTests {
    @Test func portZeroBindsARealPort() throws {
        let running = try RunningServer()
        defer { running.stop() }
        #expect(running.server.port > 0 && running.server.port < 65536)
        #expect(running.server.descriptor >= 0)
    }

    @Test func bodyInPiecesReachesTheHandlerAndTheResponseComesBack() throws {
        let running = try RunningServer { request in
            HTTPResponse(status: 401, body: "{\"got\":\(request.body.count)}",
                         headers: [HTTPHeader("WWW-Authenticate", "Bearer realm=\"cairn\"")])
        }
        defer { running.stop() }
        let body = "{\"readings\":[{\"sensor\":\"a/b\",\"value\":1.5}],\"note\":\"ünïcode\"}"
        let head = "POST /v1/readings?dry=1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer s3cret\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(body.utf8)
        let pieces = [head, String(decoding: bytes[..<10], as: UTF8.self), String(decoding: bytes[10...], as: UTF8.self)]
        let response = LoopbackHTTP.parse(try LoopbackHTTP.exchange(port: running.server.port, pieces))
        #expect(response.status == 401)
        #expect(response.body == "{\"got\":\(bytes.count)}")
        #expect(response.headers["www-authenticate"] == "Bearer realm=\"cairn\"")
        #expect(response.headers["content-type"] == "application/json")

        let seen = try #require(running.requests.first)
        #expect(running.requests.count == 1)
        #expect(seen.method == "POST")
        #expect(seen.path == "/v1/readings")
        #expect(seen.authorization == "Bearer s3cret")
        #expect(seen.contentType == "application/json")
        #expect(seen.body == bytes)
        #expect(!seen.bodyTooLarge)
    }

    @Test func chunkedBodyIsReassembled() throws {
        let running = try RunningServer { HTTPResponse(status: 202, body: String(decoding: $0.body, as: UTF8.self), contentType: "text/plain") }
        defer { running.stop() }
        let chunks = ["{\"a\":", String(repeating: "x", count: 300), "\"end\"}"]
        let head = "POST /in HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        let response = LoopbackHTTP.parse(try LoopbackHTTP.exchange(port: running.server.port, [head] + chunked(chunks)))
        #expect(response.status == 202)
        #expect(response.headers["content-type"] == "text/plain")
        #expect(response.body == chunks.joined())
        #expect(running.requests.first?.body == Array(chunks.joined().utf8))
    }

    @Test func requestWithoutBody() throws {
        let running = try RunningServer { _ in HTTPResponse(status: 404, body: "{\"error\":\"no such path\"}") }
        defer { running.stop() }
        let response = LoopbackHTTP.parse(try LoopbackHTTP.exchange(port: running.server.port, ["GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"]))
        #expect(response.status == 404)
        #expect(response.body == "{\"error\":\"no such path\"}")
        #expect(running.requests.first?.body == [])
        #expect(running.requests.first?.authorization == nil)
    }

    @Test func oversizeContentLengthIsRefusedBeforeTheBody() throws {
        // The handler answers 200 and is overruled: a refused body never gets a success.
        let running = try RunningServer(limits: HTTPLimits(maxBodyBytes: 1000)) { _ in HTTPResponse(status: 200, body: "{\"too\":\"large\"}") }
        defer { running.stop() }
        let head = "POST /in HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000\r\n\r\n"
        // Only the headers are sent: the 413 must come without the server waiting for the body.
        let response = LoopbackHTTP.parse(try LoopbackHTTP.exchange(port: running.server.port, [head]))
        #expect(response.status == 413)
        #expect(response.body == "{\"too\":\"large\"}")
        let seen = try #require(running.requests.first)
        #expect(seen.bodyTooLarge)
        #expect(seen.body.isEmpty)
    }

    @Test func oversizeChunkedBodyIsDiscardedAndRefused() throws {
        let running = try RunningServer(limits: HTTPLimits(maxBodyBytes: 1000)) { request in
            request.bodyTooLarge ? HTTPResponse(status: 413, body: "{\"error\":\"body over 1000 bytes\"}")
                                 : HTTPResponse(status: 200, body: "{}")
        }
        defer { running.stop() }
        let head = "POST /in HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        let chunks = Array(repeating: String(repeating: "y", count: 400), count: 5)
        let response = LoopbackHTTP.parse(try LoopbackHTTP.exchange(port: running.server.port, [head] + chunked(chunks)))
        #expect(response.status == 413)
        #expect(response.body == "{\"error\":\"body over 1000 bytes\"}")
        #expect(running.requests.count == 1)
        #expect(running.requests.first?.bodyTooLarge == true)
        #expect(running.requests.first?.body == [])
    }

    @Test func bodyOfExactlyTheLimitIsAccepted() throws {
        let running = try RunningServer(limits: HTTPLimits(maxBodyBytes: 1000)) { HTTPResponse(status: 200, body: "\($0.body.count)") }
        defer { running.stop() }
        let body = String(repeating: "z", count: 1000)
        let head = "POST /in HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
        let response = LoopbackHTTP.parse(try LoopbackHTTP.exchange(port: running.server.port, [head, body]))
        #expect(response.status == 200)
        #expect(response.body == "1000")
    }

    @Test func secondServerOnTheSamePortFailsClearly() throws {
        let running = try RunningServer()
        defer { running.stop() }
        let port = running.server.port
        do throws(HTTPServerError) {
            _ = try HTTPServer(address: "127.0.0.1", port: port, limits: HTTPLimits(maxBodyBytes: 10)) { _ in HTTPResponse(status: 200, body: "") }
            Issue.record("a second server on port \(port) started")
        } catch {
            #expect(error.description.hasPrefix("cannot listen on 127.0.0.1:\(port): "))
            #expect(error.description.contains("Address already in use"))
        }
    }

    @Test func libmicrohttpdMessagesGoToTheLog() throws {
        var messages: [String] = []
        let first = try HTTPServer(address: "127.0.0.1", port: 0, limits: HTTPLimits(maxBodyBytes: 10), log: { messages.append($0) }) { _ in
            HTTPResponse(status: 200, body: "")
        }
        #expect(messages == [])   // a clean start says nothing (not even about option order)
        _ = try? HTTPServer(address: "127.0.0.1", port: first.port, limits: HTTPLimits(maxBodyBytes: 10), log: { messages.append($0) }) { _ in
            HTTPResponse(status: 200, body: "")
        }
        #expect(messages.contains { $0.hasPrefix("Failed to bind to port \(first.port)") })
    }

    @Test func notAnAddress() {
        #expect(throws: HTTPServerError.self) {
            _ = try HTTPServer(address: "localhost", port: 0, limits: HTTPLimits(maxBodyBytes: 10)) { _ in HTTPResponse(status: 200, body: "") }
        }
    }

    @Test func idleConnectionIsClosedAtTheTimeout() throws {
        // Exercises nextDeadline: nothing arrives on the descriptor, only the deadline wakes the loop.
        let running = try RunningServer(limits: HTTPLimits(idleTimeoutSeconds: 1))
        defer { running.stop() }
        let started = Date()
        let response = try LoopbackHTTP.exchange(port: running.server.port, ["GET / HTTP/1.1\r\n"])   // never finished
        #expect(response.isEmpty)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(running.requests.isEmpty)
    }
}
