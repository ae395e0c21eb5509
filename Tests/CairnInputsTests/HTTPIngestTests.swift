import Testing
import CairnCore
import CairnHTTP
@testable import CairnInputs

/// The ingest endpoint's decisions, called directly; HTTPServerTests and the
/// integration tests cover the same over real sockets.
@Suite struct HTTPIngestTests {
    let ingest: HTTPIngest

    init() {
        ingest = HTTPIngest(name: "lan", token: "0123456789abcdef", maxBodyBytes: 4096, unit: "u")
    }

    func post(_ body: String, token: String? = "0123456789abcdef", type: String? = "application/json", path: String = "/readings",
              method: String = "POST", tooLarge: Bool = false) -> (Int, String) {
        let response = ingest.respond(to: HTTPRequest(method: method, path: path, authorization: token.map { "Bearer \($0)" },
                                                      contentType: type, body: Array(body.utf8), bodyTooLarge: tooLarge))
        return (response.status, response.body)
    }

    @Test func oneReadingABatchOrAWrappedBatch() {
        #expect(post(#"{"sensor": "pump/p", "value": 2.5, "unit": "bar"}"#).0 == 202)
        #expect(post(#"[{"sensor": "a", "value": 1}, {"sensor": "b", "value": true, "time": 1790000000000}]"#) == (202, "{\"accepted\":2}\n"))
        #expect(post(#"{"readings": [{"sensor": "c", "value": -1, "label": "Tank"}]}"#).0 == 202)
        let taken = ingest.take(nowMonotonic: 0).readings
        #expect(taken.map(\.sensor) == ["lan/pump/p", "lan/a", "lan/b", "lan/c"])
        #expect(taken.map(\.unit) == ["bar", "u", "u", "u"])
        #expect(taken[2].time == 1_790_000_000_000 && taken[2].value == 1)
        #expect(taken[3].label == "Tank")
        #expect(ingest.take(nowMonotonic: 0).readings.isEmpty)
        #expect(ingest.counters.requestsAccepted == 3 && ingest.counters.readingsAccepted == 4)
    }

    @Test func refusalsAreClear4xxAndTakeNothing() {
        #expect(post("{}", token: nil).0 == 401)
        #expect(post("{}", token: "0123456789abcdeF").0 == 401)
        #expect(post("{}", token: "0123456789abcdef0").0 == 401)
        #expect(post("{}", path: "/").0 == 404)
        #expect(post("", method: "GET").0 == 405)
        #expect(post("{}", tooLarge: true).0 == 413)
        #expect(post("a=1", type: "application/x-www-form-urlencoded").0 == 415)
        #expect(post("{\"sensor\": \"a\",\n \"value\": }") == (400, "{\"error\":\"invalid JSON at line 2, column 11: expected a value\"}\n"))
        #expect(post(#"[{"sensor": "a", "value": 1}, {"sensor": "b"}]"#) == (422, "{\"error\":\"reading 2: \\\"value\\\" (a number) is required\"}\n"))
        #expect(post(#"{"sensor": "a b", "value": 1}"#).0 == 422)
        #expect(post(#"{"sensor": "a", "value": 1, "time": 1000}"#).0 == 422)
        #expect(post(#"{"sensor": "a", "value": 1, "colour": "red"}"#) == (422, "{\"error\":\"unknown member \\\"colour\\\"\"}\n"))
        #expect(post("[]").0 == 400)
        // A refused batch leaves nothing behind, not even its good readings.
        #expect(ingest.take(nowMonotonic: 0).readings.isEmpty)
        #expect(ingest.counters.requestsRejected == 13)
    }

    @Test func contentTypeWithParametersAndNoneAreAccepted() {
        #expect(post(#"{"sensor": "a", "value": 1}"#, type: "application/json; charset=utf-8").0 == 202)
        #expect(post(#"{"sensor": "a", "value": 1}"#, type: nil).0 == 202)
    }

    @Test func aSensorThatFallsSilentFailsOncePerPeriodUntilHeardAgain() throws {
        let watched = HTTPIngest(name: "plc", token: nil, maxBodyBytes: 1024, staleAfter: 60_000)
        let body = Array(#"[{"sensor": "a", "value": 1}, {"sensor": "b", "value": 2}]"#.utf8)
        #expect(watched.respond(to: HTTPRequest(method: "POST", path: "/readings", body: body)).status == 202)
        #expect(watched.take(nowMonotonic: 1_000).readings.count == 2)
        #expect(watched.nextSilence == 61_000)
        #expect(watched.take(nowMonotonic: 60_999).failures.isEmpty)
        let silent = watched.take(nowMonotonic: 61_000).failures
        #expect(silent.map(\.sensor).sorted() == ["plc/a", "plc/b"])
        #expect(silent.first?.reason == "nothing received for 60 s")
        // Reported once per period, not on every poll.
        #expect(watched.take(nowMonotonic: 61_500).failures.isEmpty)
        // "a" speaks again; only "b" stays silent.
        _ = watched.respond(to: HTTPRequest(method: "POST", path: "/readings", body: Array(#"{"sensor": "a", "value": 3}"#.utf8)))
        #expect(watched.take(nowMonotonic: 100_000).readings.map(\.sensor) == ["plc/a"])
        #expect(watched.take(nowMonotonic: 121_000).failures.map(\.sensor) == ["plc/b"])
    }

    @Test func withoutATokenNoneIsAsked() throws {
        let open = HTTPIngest(name: "http", token: nil, maxBodyBytes: 1024)
        let response = open.respond(to: HTTPRequest(method: "POST", path: "/readings", body: Array(#"{"sensor": "a", "value": 1}"#.utf8)))
        #expect(response.status == 202)
    }
}
