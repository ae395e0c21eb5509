import Foundation
import Testing
import CairnTestSupport

/// A queue page that goes bad while the agent runs (flash wearing out under it): the
/// read that meets it moves the file aside, the agent says so in a `queue.recovered`
/// event and goes on sending. Before, every read failed, each turn, until a restart.
@Suite(.serialized) struct QueueCorruptionTests {
    @Test func aPageDamagedWhileRunningIsReportedAndTheAgentGoesOn() throws {
        let setup = try StoreAndForwardTests.Setup(device: "it-corrupt-live")
        let data = setup.dir.file("data")
        setup.broker.stop()
        // A first run makes the file; then 40,000 old readings (about 8 MB, more than
        // SQLite's 2 MB page cache) go in with the sqlite3 shell, as a long outage leaves them.
        let first = try setup.agent(extra: ["--health-interval", "0"])
        #expect(waitUntil(timeout: 30) { ((try? setup.queued()) ?? 0) > 0 }, "\(first.log.suffix(2000))")
        #expect(first.terminate() == 0)
        _ = try sqlite("\(data)/queue.db", """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
            INSERT INTO records(stream, time_ms, body, mono_ms, boot, clock_ok)
              SELECT 2, 1796000000000 + i, '"sensor":"old/' || i || '/' || printf('%.150c', 'x') || '","value":1,"unit":"C"', 0, 0, 1 FROM n;
            PRAGMA wal_checkpoint(TRUNCATE);
            """)
        #expect(try setup.queued() > 40_000)

        // The agent opens the file (counting the records reads every page of the table, and
        // the cache keeps the last ones); then pages 9 to 40, the oldest readings, go bad under it.
        let agent = try setup.agent(extra: ["--health-interval", "0"])
        defer { agent.terminate() }
        #expect(waitUntil(timeout: 60) { agent.log.contains(" starting as ") }, "\(agent.log.suffix(2000))")
        let handle = try #require(FileHandle(forUpdatingAtPath: "\(data)/queue.db"))
        handle.seek(toFileOffset: 8 * 4096)
        handle.write(Data(repeating: 0xA5, count: 32 * 4096))
        handle.synchronizeFile()
        handle.closeFile()

        // The broker comes back: the backlog is read oldest first and meets the damage.
        try setup.broker.start()
        let recovered = {
            setup.subscriber.payloads(topic: "\(setup.prefix)/events").filter { ($0["type"] as? String) == "io.cairn.queue.recovered" }
        }
        #expect(waitUntil(timeout: 60) { !recovered().isEmpty }, "\(agent.log.suffix(3000))")
        let event = try #require(recovered().first)
        let movedTo = ((event["data"] as? [String: Any])?["moved_to"] as? String) ?? ""
        #expect(movedTo.hasPrefix("\(data)/queue.db.corrupt-"), "\(event)")
        #expect(FileManager.default.fileExists(atPath: movedTo))
        #expect(agent.log.contains("queue corrupt while running"), "\(agent.log.suffix(3000))")
        // And it goes on: readings taken after the move arrive (numbers above the event's).
        let eventID = Int(event["id"] as? String ?? "") ?? Int.max
        #expect(waitUntil(timeout: 30) { setup.subscriber.delivered(prefix: setup.prefix).contains { $0 > eventID } },
                "\(agent.log.suffix(3000))")
        #expect(!agent.log.contains("cannot read the queue"), "\(agent.log.suffix(3000))")
        #expect(agent.terminate() == 0)
    }
}
