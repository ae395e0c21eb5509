import Foundation
import Testing
import CairnTestSupport

/// SQLite-style crash testing of the whole agent: SIGKILL at random points
/// while it ingests and drains, restart, and check at the end that every
/// committed sequence number reached a subscriber at least once.
/// CAIRN_CRASH_ROUNDS raises the count for a soak (scripts/crash-soak).
@Suite(.serialized) struct CrashTests {
    @Test func everyCommittedRecordSurvivesRepeatedSIGKILL() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["CAIRN_CRASH_ROUNDS"] ?? "") ?? 50
        let setup = try StoreAndForwardTests.Setup(device: "it-crash")
        var kills = 0
        for round in 0..<rounds {
            let agent = try setup.agent(interval: "0.05", extra: ["--batch-size", "20", "--inflight-window", "4"])
            // The random kill point is measured from the agent's start, not from exec: under
            // qemu (the ARM binaries) starting takes longer than the whole window natively.
            _ = waitUntil(timeout: 30, interval: 0.01) { agent.log.contains(" starting as ") || !agent.isRunning }
            // Deliberate: the kill lands at a random moment of the agent's work.
            Thread.sleep(forTimeInterval: Double.random(in: 0.1...0.5))
            // It must have been running (not, say, refusing its flags) to be killed.
            #expect(agent.isRunning, "round \(round): the agent exited by itself:\n\(agent.log.suffix(2000))")
            agent.killHard()
            kills += 1
            // Every tenth round the broker goes away and comes back, so kills
            // also land while the agent is offline and while it drains a backlog.
            if round % 10 == 4 { setup.broker.stop() }
            if round % 10 == 6 { try setup.broker.start() }
        }
        if setup.broker.process == nil { try setup.broker.start() }

        let final = try setup.agent(interval: "5")
        // Connected first: the queue can be empty before the agent has even started (under
        // qemu it then queued its start events and first readings, and was stopped offline).
        #expect(waitUntil(timeout: 60, interval: 0.01) { final.log.contains("connected to ") }, "\(final.log.suffix(2000))")
        #expect(waitUntil(timeout: 60) { ((try? setup.queued()) ?? -1) == 0 }, "queue did not drain:\n\(final.log.suffix(3000))")
        #expect(final.terminate() == 0)

        // The invariant: every committed record was delivered or is still queued
        // (records taken during the last shutdown may wait for the next start).
        let highest = try setup.highestSequence()
        let stillQueued = Set(try sqlite(setup.dir.file("data/queue.db"), "SELECT seq FROM records;")
            .split(separator: "\n").compactMap { Int($0) })
        _ = waitUntil(timeout: 15) { Set(setup.subscriber.delivered(prefix: setup.prefix)).union(stillQueued).isSuperset(of: Set(1...highest)) }
        let delivered = setup.subscriber.delivered(prefix: setup.prefix)
        let missing = Set(1...highest).subtracting(delivered).subtracting(stillQueued).sorted()
        #expect(missing.isEmpty, "\(missing.count) committed records neither delivered nor queued: \(missing.prefix(30))\n\(final.log.suffix(4000))")
        if !stillQueued.isEmpty {
            print("crash test: records \(stillQueued.sorted()) stay queued after the final stop; agent log tail:\n\(final.log.suffix(2000))")
        }
        // Only what the final stop produced may remain, not a backlog.
        #expect(stillQueued.count <= 5, "\(stillQueued.count) records left after the final stop:\n\(final.log.suffix(4000))")
        let duplicates = delivered.count - Set(delivered).count
        print("crash test: \(kills) SIGKILLs, \(highest) records committed, \(missing.count) missing, \(stillQueued.count) still queued after the last stop, \(duplicates) duplicates (at-least-once)")
        #expect(kills == rounds)
        #expect(highest > rounds * 10, "too few records to mean anything")
    }
}
