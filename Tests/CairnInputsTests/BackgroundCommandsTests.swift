import Foundation
import Testing
import CairnCore
import CairnTestSupport
@testable import CairnInputs

/// Alarm actions as real `sh` processes: one action of one alarm runs its
/// transitions in order, others run beside it.
@Suite struct BackgroundCommandsTests {
    /// Polls the way the agent's loop does until nothing runs or waits; a
    /// safety bound on the loop, not an assertion about speed.
    func drain(_ commands: BackgroundCommands) -> [BackgroundCommands.Finished] {
        var finished: [BackgroundCommands.Finished] = []
        for _ in 0..<3000 where commands.count > 0 {
            finished += commands.poll(nowMonotonic: Clock.monotonicMilliseconds())
            usleep(10_000)   // pacing of a bounded wait (3000 × 10 ms) for the condition
        }
        #expect(commands.count == 0, "the actions never finished")
        return finished
    }

    func append(_ dir: TemporaryDirectory, _ word: String, after marker: String? = nil) -> [String] {
        // The slow one waits for a marker file the test writes, so "still
        // running" is a fact, not a guess about timing.
        let wait = marker.map { "while [ ! -e \(dir.file($0)) ]; do sleep 0.01; done; " } ?? ""
        return ["/bin/sh", "-c", "\(wait)echo \(word) >> \(dir.file("log"))"]
    }

    @Test func aLaterTransitionWaitsForTheRunningOneAndOnlyTheLatestWaits() throws {
        let dir = TemporaryDirectory()
        let commands = BackgroundCommands()
        let now = Clock.monotonicMilliseconds()
        #expect(commands.start(key: "hot", label: "raised", arguments: append(dir, "raised", after: "go"), environment: [], timeout: 30_000, nowMonotonic: now) == nil)
        #expect(commands.start(key: "hot", label: "cleared", arguments: append(dir, "cleared"), environment: [], timeout: 30_000, nowMonotonic: now) == nil)
        #expect(commands.start(key: "hot", label: "raised again", arguments: append(dir, "raised-again"), environment: [], timeout: 30_000, nowMonotonic: now) == nil)
        // Another alarm's action is not held up by this one.
        #expect(commands.start(key: "cold", label: "other", arguments: append(dir, "other"), environment: [], timeout: 30_000, nowMonotonic: now) == nil)
        #expect(commands.count == 3)
        // What these polls reap counts too: "other" may have exited and been reaped here,
        // before the loop saw its line in the log (a CI run lost it so).
        var finished: [BackgroundCommands.Finished] = []
        for _ in 0..<3000 where (try? String(contentsOfFile: dir.file("log"), encoding: .utf8)) != "other\n" {
            finished += commands.poll(nowMonotonic: Clock.monotonicMilliseconds())
            usleep(10_000)   // pacing of a bounded wait (3000 × 10 ms) for the condition
        }
        #expect(try String(contentsOfFile: dir.file("log"), encoding: .utf8) == "other\n")
        dir.write("go", "")
        finished += drain(commands)
        #expect(finished.map(\.label).sorted() == ["other", "raised", "raised again"])
        #expect(finished.allSatisfy { $0.outcome == .exited(0) })
        #expect(try String(contentsOfFile: dir.file("log"), encoding: .utf8) == "other\nraised\nraised-again\n")
    }

    @Test func aWaitingProgramThatCannotStartIsReportedWithItsReason() throws {
        let dir = TemporaryDirectory()
        let commands = BackgroundCommands(limit: 1)
        let now = Clock.monotonicMilliseconds()
        #expect(commands.start(key: "a", label: "first", arguments: append(dir, "first", after: "go"), environment: [], timeout: 30_000, nowMonotonic: now) == nil)
        #expect(commands.start(key: "a", label: "second", arguments: ["/nonexistent/program"], environment: [], timeout: 30_000, nowMonotonic: now) == nil)
        dir.write("go", "")
        let finished = drain(commands)
        #expect(finished.map(\.label) == ["first", "second"])
        #expect(finished.last?.outcome == nil)
        #expect(finished.last?.errorLine?.contains("/nonexistent/program") == true)
    }
}
