import Foundation
import Testing
import CairnTestSupport

/// `cairn status` and `cairn queue stats` against a real agent: whether it
/// runs, said first, and the queue budget it runs with, the same in both.
@Suite(.serialized) struct StatusCommandTests {
    func cairn(_ setup: StoreAndForwardTests.Setup, _ arguments: [String]) throws -> [String] {
        let (status, output) = try AgentBinary.run(arguments + ["--data-dir", setup.dir.file("data")], directory: setup.dir)
        #expect(status == 0, "cairn \(arguments.joined(separator: " ")): \(output)")
        return output.split(separator: "\n").map(String.init)
    }

    @Test func aKilledAgentIsNotRunningAndItsLastStateIsLabelledLastKnown() throws {
        let setup = try StoreAndForwardTests.Setup(device: "it-status")
        let agent = try setup.agent(interval: "0.5")
        #expect(waitUntil(timeout: 15) { (setup.status()["connection"] as? String) == "online" }, "\(agent.log)")
        let running = try cairn(setup, ["status"])
        #expect(running.first?.hasPrefix("agent: running (pid \(agent.pid), since ") == true, "\(running)")
        #expect(running.contains { $0.hasPrefix("connection ") && $0.hasSuffix(" online") }, "\(running)")

        agent.killHard()
        let lines = try cairn(setup, ["status"])
        #expect(lines.first?.hasPrefix("agent: not running (last seen 20") == true, "\(lines)")
        #expect(lines.first?.hasSuffix(" ago, pid \(agent.pid))") == true, "the age of the last state: \(lines)")
        // What follows is the last known state, under its heading; none of it reads as current.
        #expect(lines.dropFirst().first?.hasPrefix("last known state, as of 20") == true, "\(lines)")
        #expect(lines.dropFirst(2).allSatisfy { $0.hasPrefix("  ") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("  connection ") && $0.hasSuffix(" online") }, "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("agent running") })
    }

    @Test func statusAndQueueStatsShowTheBudgetTheAgentRunsWithInReadableUnits() throws {
        let setup = try StoreAndForwardTests.Setup(device: "it-budget")
        let agent = try setup.agent(interval: "0.5", extra: ["--queue-budget-mb", "1"])
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 15) { setup.status()["queue_budget_bytes"] != nil }, "\(agent.log)")
        let status = try cairn(setup, ["status"])
        #expect(status.contains { $0.hasPrefix("queue budget ") && $0.hasSuffix(" 1 MiB") }, "\(status)")
        #expect(status.contains { $0.hasPrefix("queue used ") && $0.hasSuffix(" KiB") }, "\(status)")
        // The queue file says what budget it is held to, whatever the command's own flags say.
        for extra in [[], ["--queue-budget-mb", "2"]] {
            let stats = try cairn(setup, ["queue", "stats"] + extra)
            #expect(stats.first?.hasPrefix("queue: ") == true && stats.first?.contains(" KiB used of budget 1 MiB (file ") == true, "\(stats)")
        }
        #expect(agent.terminate() == 0)
        #expect(try cairn(setup, ["queue", "stats"]).first?.contains(" used of budget 1 MiB ") == true)
    }
}
