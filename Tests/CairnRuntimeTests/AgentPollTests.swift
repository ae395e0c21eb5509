import Foundation
import Testing
import CairnControl
import CairnCore
import CairnQueue
import CairnTestSupport
@testable import CairnRuntime

/// The agent's own loop, in process: when inputs are read.
@Suite(.serialized) struct AgentPollTests {
    /// The loop reads the turn's time before its timers and the uplink run. A stall after that
    /// (a slow write, the process descheduled on a busy machine) must not leave the input's next
    /// read due at once: it was, and the next turn read it again in the same millisecond, one
    /// poll's readings stored twice (same body, same time_ms and mono_ms, two sequence numbers).
    @Test func aStallBeforeThePollDoesNotMakeTheNextTurnReadAgainAtOnce() throws {
        let dir = TemporaryDirectory()
        dir.write("v", "1\n")
        var config = ConfigLoader.defaults()
        config.agent.deviceID = "gw-stall"
        config.agent.dataDirectory = dir.file("data")
        config.agent.sysfsRoot = dir.file("sys")
        config.agent.procRoot = dir.file("proc")
        try ConfigLoader.apply(text: """
            {"broker": "mqtt://127.0.0.1:1", "status_listen": "off", "log_level": "error",
             "interval": 0.05, "queue_commit_interval": 0,
             "inputs": [{"type": "file", "name": "v", "path": "\(dir.file("v"))"}]}
            """, source: "test.json", to: &config)
        try config.finish()
        let agent = try Agent(config: config)
        // Timers run after the loop read the turn's time, before the sensors are polled. On every
        // other turn with a read due, this one stalls past the interval.
        var stall = true
        agent.loop.every(1) {
            let now = Clock.monotonicMilliseconds()
            guard agent.sensors.nextDeadline(nowMonotonic: now) <= now else { return }
            if stall { Thread.sleep(forTimeInterval: 0.07) }
            stall.toggle()
        }
        agent.loop.every(1500, delay: 1500) { agent.loop.stop() }
        agent.run()
        // run() took SIGTERM, SIGINT and SIGHUP for the agent: give them back to the test process.
        for taken in [SIGTERM, SIGINT, SIGHUP] { signal(taken, SIG_DFL) }

        let times = try agent.queue.records(stream: .telemetry, after: 0, limit: 1000).map(\.time)
        #expect(times.count >= 10)
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        // A read after a stall comes about 30 ms before the next on the 50 ms phase; the bug
        // read again within the same millisecond or the next. (5: room for a slow turn.)
        #expect(gaps.allSatisfy { $0 >= 5 }, "reads \(gaps) ms apart")
    }
}
