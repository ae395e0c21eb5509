import Testing
import CairnCore
import CairnTestSupport
@testable import CairnQueue

@Suite struct DurableQueueTests {
    func readings(_ count: Int, from start: Int = 0) -> [Reading] {
        (0..<count).map { Reading(sensor: "s\($0 + start)", value: Double($0 + start), unit: "C", time: Int64($0 + start)) }
    }

    @Test func appendReadAcknowledge() throws {
        let dir = TemporaryDirectory()
        let queue = try DurableQueue(path: dir.file("q.db"))
        #expect(try queue.append(readings: readings(5)) == 1...5)
        let first = try queue.records(stream: .telemetry, after: 0, limit: 3)
        #expect(first.map(\.sequence) == [1, 2, 3])
        #expect(try JSONParser.parse(first[0].body)["seq"] == .number(1))
        let rest = try queue.records(stream: .telemetry, after: 3, limit: 10)
        #expect(rest.map(\.sequence) == [4, 5])
        try queue.acknowledge([1, 2, 3])
        #expect(try queue.count() == 2)
        #expect(try queue.records(stream: .telemetry, after: 0, limit: 10).map(\.sequence) == [4, 5])
    }

    @Test func sequenceKeepsGrowingAcrossReopenEvenWhenEmpty() throws {
        let dir = TemporaryDirectory()
        do {
            let queue = try DurableQueue(path: dir.file("q.db"))
            try queue.append(readings: readings(3))
            try queue.acknowledge([1, 2, 3])
            #expect(try queue.count() == 0)
        }
        let reopened = try DurableQueue(path: dir.file("q.db"))
        #expect(reopened.upcomingSequence == 4)
        #expect(try reopened.append(readings: readings(1)) == 4...4)
    }

    @Test func unacknowledgedRecordsSurviveReopen() throws {
        let dir = TemporaryDirectory()
        do {
            let queue = try DurableQueue(path: dir.file("q.db"))
            try queue.append(readings: readings(10))
            try queue.acknowledge([2, 4])
        }
        let reopened = try DurableQueue(path: dir.file("q.db"))
        #expect(try reopened.records(stream: .telemetry, after: 0, limit: 100).map(\.sequence) == [1, 3, 5, 6, 7, 8, 9, 10])
    }

    @Test func streamsAreSeparate() throws {
        let dir = TemporaryDirectory()
        let queue = try DurableQueue(path: dir.file("q.db"))
        try queue.append(readings: readings(2))
        let event = try queue.append(stream: .events, time: 9) { #"{"seq":\#($0)}"# }
        #expect(event == 3)
        #expect(try queue.records(stream: .events, after: 0, limit: 10).map(\.sequence) == [3])
        #expect(try queue.count(stream: .telemetry) == 2)
        #expect(try queue.count(stream: .events) == 1)
    }

    @Test func openingSomethingThatIsNotADatabaseFailsClearly() throws {
        let dir = TemporaryDirectory()
        dir.write("q.db", String(repeating: "not sqlite ", count: 200))
        #expect(throws: QueueError.self) { try DurableQueue(path: dir.file("q.db")) }
    }
}
