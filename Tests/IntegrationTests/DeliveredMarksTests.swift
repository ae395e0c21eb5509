import Foundation
import Testing
import CairnTestSupport

/// While a backlog drains, records the broker acknowledged are marked delivered in the
/// queue file and deleted once nothing waits to be sent (docs/queue.md, "Delivered,
/// deleted later"). The marks are what a restart goes by.
@Suite(.serialized) struct DeliveredMarksTests {
    @Test func recordsMarkedDeliveredAreNotSentAgainAfterASIGKILLAndGoOnceTheBacklogIsSent() throws {
        let setup = try StoreAndForwardTests.Setup(device: "it-marks")
        setup.broker.stop()
        var agent = try setup.agent(interval: "0.01")
        #expect(waitUntil(timeout: 60) { ((try? setup.highestSequence()) ?? 0) >= 1000 })
        #expect(agent.terminate() == 0)
        let backlog = try setup.highestSequence()
        try #require(backlog >= 1000, "\(agent.log.suffix(3000))")

        try setup.broker.start()
        // A slow drain (10 readings a message, 20 messages a second) to be caught halfway.
        agent = try setup.agent(interval: "60", extra: ["--batch-size", "10", "--backfill-per-second", "20"])
        let file = setup.dir.file("data/queue.db")
        let marked = { () -> [ClosedRange<Int>] in
            ((try? sqlite(file, "SELECT first, last FROM delivered;")) ?? "").split(separator: "\n").compactMap { line in
                let ends = line.split(separator: "|").compactMap { Int($0) }
                return ends.count == 2 && ends[0] <= ends[1] ? ends[0]...ends[1] : nil
            }
        }
        let received = { setup.subscriber.delivered(prefix: setup.prefix) }
        #expect(waitUntil(timeout: 60) { marked().count >= 2 && Set(received()).count >= 200 }, "\(agent.log.suffix(3000))")
        agent.killHard()
        let markedSequences = Set(marked().flatMap { Array($0) })
        #expect(!markedSequences.isEmpty)
        #expect(Set(received()).count < backlog, "the backlog was sent whole before the kill: nothing shows the marks at work")
        // Only what arrived is marked (the subscriber may get a message after the PUBACK).
        #expect(waitUntil(timeout: 10) { markedSequences.isSubset(of: Set(received())) },
                "marked but never received: \(markedSequences.subtracting(received()).sorted().prefix(20))")
        let copiesBefore = Dictionary(received().map { ($0, 1) }, uniquingKeysWith: +)

        agent = try setup.agent(interval: "60")
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 60) { Set(received()).isSuperset(of: Set(1...backlog)) },
                "missing \(Set(1...backlog).subtracting(received()).sorted().prefix(20))\n\(agent.log.suffix(3000))")
        // The rows and the marks go once the backlog is sent.
        #expect(waitUntil(timeout: 30) { ((try? setup.queued()) ?? -1) == 0 && marked().isEmpty }, "\(agent.log.suffix(3000))")
        let copiesAfter = Dictionary(received().map { ($0, 1) }, uniquingKeysWith: +)
        let sentAgain = markedSequences.filter { copiesAfter[$0] != copiesBefore[$0] }.sorted()
        #expect(sentAgain.isEmpty, "\(sentAgain.count) marked records were sent again: \(sentAgain.prefix(20))")
    }
}
