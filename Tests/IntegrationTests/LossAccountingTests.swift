import Foundation
import Testing
import CairnTestSupport

/// docs/protocol.md, "Proving that nothing was lost", done as a consumer does
/// it: every number of the sequence up to the highest arrives on telemetry,
/// events or health, or is counted in a `queue.loss` event — here across
/// evictions that a SIGKILL left unreported and a technician's purge.
@Suite(.serialized) struct LossAccountingTests {
    @Test func everyNumberIsDeliveredOrCountedInAQueueLossEvent() throws {
        let setup = try StoreAndForwardTests.Setup(device: "it-loss")
        let data = setup.dir.file("data")
        let counted = { (reason: String) -> Int in
            let text = try? sqlite("\(data)/queue.db", "SELECT coalesce(sum(count), 0) FROM counters WHERE reason = '\(reason)';")
            return Int(text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        }
        // Offline on a 64 KiB budget: the oldest readings are evicted and counted, then the
        // agent is killed before its first loss report (at 5 s).
        setup.broker.stop()
        let first = try setup.agent(interval: "0.01", extra: ["--queue-budget-mb", "0.0625", "--health-interval", "0"])
        #expect(waitUntil(timeout: 20) { counted("evicted") > 0 }, "\(first.log.suffix(2000))")
        first.killHard()
        // A technician purges the telemetry left.
        let (status, output) = try AgentBinary.run(["queue", "purge", "--stream", "telemetry", "--data-dir", data], directory: setup.dir)
        #expect(status == 0 && counted("purged") > 0, "\(output)")

        try setup.broker.start()
        let second = try setup.agent(interval: "1", extra: ["--health-interval", "0"])
        let lossEvents = { setup.subscriber.payloads(topic: "\(setup.prefix)/events").filter { ($0["type"] as? String) == "io.cairn.queue.loss" } }
        #expect(waitUntil(timeout: 20) { !lossEvents().isEmpty && ((try? setup.queued()) ?? -1) == 0 }, "\(second.log.suffix(3000))")
        #expect(second.terminate() == 0)

        // The consumer's side: numbers lost are those counted as evicted, expired,
        // downsampled or purged ("rejected" records never had a number).
        // The latest report's `total` holds every count; with no report lost, the
        // deltas of all the reports add up to it.
        var deltas: [String: Int] = [:]
        var latest: (id: Int, total: [String: Int]) = (0, [:])
        var seen: Set<String> = []
        for event in lossEvents() where seen.insert(event["id"] as? String ?? "").inserted {
            var data = (event["data"] as? [String: Any]) ?? [:]
            let total = data.removeValue(forKey: "total") as? [String: Int]
            for (key, count) in data { deltas[key, default: 0] += (count as? Int) ?? 0 }
            if let id = Int(event["id"] as? String ?? ""), id > latest.id, let total { latest = (id, total) }
        }
        let reported = latest.total
        #expect(reported == deltas, "totals \(reported), deltas \(deltas)")
        let numbered = reported.filter { !$0.key.hasSuffix(".rejected") }.values.reduce(0, +)
        let sum = { (reason: String) in reported.filter { $0.key.hasSuffix(".\(reason)") }.values.reduce(0, +) }
        #expect(sum("evicted") == counted("evicted") && sum("purged") == counted("purged"), "\(reported)")
        let highest = try setup.highestSequence()
        let stillQueued = Set(try sqlite("\(data)/queue.db", "SELECT seq FROM records;").split(separator: "\n").compactMap { Int($0) })
        _ = waitUntil(timeout: 10) { Set(setup.subscriber.delivered(prefix: setup.prefix)).union(stillQueued).count + numbered >= highest }
        let missing = Set(1...highest).subtracting(setup.subscriber.delivered(prefix: setup.prefix)).subtracting(stillQueued)
        #expect(missing.count == numbered, "\(missing.count) numbers missing, \(numbered) counted lost: \(reported)")
    }
}
