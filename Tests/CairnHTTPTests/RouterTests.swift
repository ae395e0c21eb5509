import Foundation
import Testing
import CairnTestSupport
@testable import CairnHTTP

private let token = "0123456789abcdef"

/// A small API like the ones Cairn serves: exact paths, a prefix, one route behind the token.
private func api() -> Router {
    var router = Router()
    router.on("GET", "/status") { _ in HTTPResponse(status: 200, body: "{\"ok\":true}") }
    router.on("HEAD", "/status") { _ in HTTPResponse(status: 200, body: "") }
    router.on("POST", "/readings", Handler { request in
        HTTPResponse(status: 202, body: "{\"got\":\(request.body.count)}")
    }.requiringToken(token))
    router.on("GET", prefix: "/sensors/", Handler { HTTPResponse(status: 200, body: "sensor \($0.path.dropFirst(9))", contentType: "text/plain") })
    router.on("GET", prefix: "/sensors/special/", Handler { _ in HTTPResponse(status: 200, body: "special", contentType: "text/plain") })
    return router
}

@Suite struct RouterTests {
    @Test(arguments: Transport.allCases) func knownPathsAreAnswered(_ transport: Transport) throws {
        try withClient(transport, responder: api()) { client in
            let status = try client("GET", "/status")
            #expect(status.status == 200)
            #expect(status.body == "{\"ok\":true}")
            #expect(status.headers["content-type"] == "application/json")
            // The query string is not part of the path.
            #expect(try client("GET", "/status?verbose=1").status == 200)
            let sensor = try client("GET", "/sensors/hwmon/temp1")
            #expect(sensor.status == 200)
            #expect(sensor.body == "sensor hwmon/temp1")
            #expect(sensor.headers["content-type"] == "text/plain")
            // The longest prefix wins.
            #expect(try client("GET", "/sensors/special/x").body == "special")
        }
    }

    @Test(arguments: Transport.allCases) func unknownPathIs404(_ transport: Transport) throws {
        try withClient(transport, responder: api()) { client in
            let missing = try client("GET", "/nothing")
            #expect(missing.status == 404)
            #expect(missing.body == "{\"error\":\"no such resource: /nothing\"}\n")
            // A prefix route covers what is under it, not the path without its slash.
            #expect(try client("GET", "/sensors").status == 404)
            #expect(try client("GET", "/status/").status == 404)
        }
    }

    @Test(arguments: Transport.allCases) func knownPathWithAnotherMethodIs405WithAllow(_ transport: Transport) throws {
        try withClient(transport, responder: api()) { client in
            let wrong = try client("GET", "/readings")
            #expect(wrong.status == 405)
            #expect(wrong.headers["allow"] == "POST")
            #expect(wrong.body == "{\"error\":\"GET is not allowed for /readings; use POST\"}\n")
            let post = try client("POST", "/status", body: "{}")
            #expect(post.status == 405)
            #expect(post.headers["allow"] == "GET, HEAD")
            #expect(try client("DELETE", "/sensors/a").headers["allow"] == "GET")
        }
    }

    @Test(arguments: Transport.allCases) func theTokenIsCheckedBeforeTheHandler(_ transport: Transport) throws {
        try withClient(transport, responder: api()) { client in
            for authorization in [nil, "Bearer 0123456789abcdeF", "Bearer 0123456789abcde", "Bearer 0123456789abcdef0",
                                  "Bearer ", "Basic 0123456789abcdef", "bearer0123456789abcdef"] as [String?] {
                let refused = try client("POST", "/readings", headers: authorization.map { ["Authorization": $0] } ?? [:], body: "{}")
                #expect(refused.status == 401, "\(authorization ?? "none")")
                #expect(refused.headers["www-authenticate"] == "Bearer realm=\"cairn\"")
                #expect(refused.body == "{\"error\":\"missing or wrong bearer token\"}\n")
            }
            let accepted = try client("POST", "/readings", headers: ["Authorization": "Bearer \(token)"], body: "{\"a\":1}")
            #expect(accepted.status == 202)
            #expect(accepted.body == "{\"got\":7}")
            // Routing comes first: an unknown path is 404 with or without a token.
            #expect(try client("POST", "/elsewhere", body: "{}").status == 404)
        }
    }

    @Test(arguments: Transport.allCases) func aBodyOverTheLimitIs413EvenIfTheHandlerSaysYes(_ transport: Transport) throws {
        var router = Router()
        router.on("POST", "/in") { request in HTTPResponse(status: 200, body: "\(request.body.count)") }
        try withClient(transport, limits: HTTPLimits(maxBodyBytes: 100), responder: router) { client throws in
            #expect(try client("POST", "/in", body: String(repeating: "a", count: 100)).body == "100")
            #expect(try client("POST", "/in", body: String(repeating: "a", count: 101)).status == 413)
        }
    }

    @Test func withoutATokenNoneIsAsked() {
        let open = Handler { _ in HTTPResponse(status: 200, body: "") }.requiringToken(nil)
        #expect(open.respond(to: HTTPRequest(method: "GET", path: "/")).status == 200)
    }

    @Test func constantTimeCompareResults() {
        let secret = Array("0123456789abcdef".utf8)
        #expect(BearerToken.constantTimeEqual(secret, secret))
        #expect(BearerToken.constantTimeEqual([], []))
        #expect(!BearerToken.constantTimeEqual(secret, []))
        #expect(!BearerToken.constantTimeEqual([], secret))
        #expect(!BearerToken.constantTimeEqual(Array("x123456789abcdef".utf8), secret))   // first byte
        #expect(!BearerToken.constantTimeEqual(Array("0123456789abcdex".utf8), secret))   // last byte
        #expect(!BearerToken.constantTimeEqual(Array(secret.dropLast()), secret))          // a prefix
        #expect(!BearerToken.constantTimeEqual(secret + [0], secret))                      // longer by a NUL
        #expect(!BearerToken.constantTimeEqual(secret + secret, secret))
        // A length difference whose bits vanish in a byte (256 apart) still counts.
        #expect(!BearerToken.constantTimeEqual([UInt8](repeating: 0, count: 256), []))
        #expect(BearerToken.matches("Bearer 0123456789abcdef", secret))
        #expect(!BearerToken.matches("Bearer  0123456789abcdef", secret))
        #expect(!BearerToken.matches(nil, secret))
    }
}
