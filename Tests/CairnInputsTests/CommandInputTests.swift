import Foundation
import Testing
import CairnCore
import CairnTestSupport
@testable import CairnInputs

/// The command input against real `sh` scripts: output formats, failures,
/// and a hanging script that must be killed with its whole process group.
@Suite struct CommandInputTests {
    /// A script run as `sh <file>`: exec'ing a file just written can fail with
    /// ETXTBSY while a parallel test forks with the writer's descriptor open.
    func script(_ dir: TemporaryDirectory, _ name: String, _ body: String) -> [String] {
        dir.write(name, body + "\n")
        return ["/bin/sh", dir.file(name)]
    }

    /// Starts one run and polls it the way the agent's loop does until it finishes.
    func run(_ input: CommandInput) -> InputResult {
        if let failedToStart = input.start(nowMonotonic: Clock.monotonicMilliseconds()) { return failedToStart }
        // A safety bound on the loop, not an assertion about speed.
        for _ in 0..<3000 {
            if let result = input.collect(nowWall: 1000, nowMonotonic: Clock.monotonicMilliseconds()) { return result }
            usleep(10_000)   // pacing of a bounded wait (3000 × 10 ms) for the condition
        }
        Issue.record("the command never finished")
        return InputResult()
    }

    @Test func linesOfNameValueAndUnit() {
        let dir = TemporaryDirectory()
        let path = script(dir, "lines.sh", """
            echo '# modbus poll'
            echo 'flow 12.5 m3/h'
            echo ''
            printf 'pressure\\t2.25\\n'
            echo 'Tank Level 3'
            echo 'bad line here too many'
            """)
        let result = run(CommandInput(name: "plant", arguments: path, timeout: 10_000, unit: "bar"))
        #expect(result.readings == [
            Reading(sensor: "plant/flow", value: 12.5, unit: "m3/h", time: 1000),
            Reading(sensor: "plant/pressure", value: 2.25, unit: "bar", time: 1000),
        ])
        #expect(result.failures == [
            SensorFailure(sensor: "plant", reason: "line 5: expected \"name value [unit]\""),
            SensorFailure(sensor: "plant", reason: "line 6: expected \"name value [unit]\""),
        ])
    }

    /// Found by fuzzing (Fuzz/crashes/command-output): as Characters "\r\n" is neither "\n" nor "\r".
    @Test func linesEndingInCRLFAreSeparateLines() {
        let result = CommandOutputParser.parse("flow 1.5 m3/h\r\npressure 2.25\r\n", prefix: "plant", unit: "bar", now: 1000)
        #expect(result.readings == [Reading(sensor: "plant/flow", value: 1.5, unit: "m3/h", time: 1000),
                                    Reading(sensor: "plant/pressure", value: 2.25, unit: "bar", time: 1000)])
        #expect(result.failures.isEmpty)
    }

    /// strtod reads "nan" and "inf" too; found by fuzzing (Fuzz/crashes/command-output).
    @Test func notANumberAndInfinityAreMalformedLines() {
        let result = CommandOutputParser.parse("a nan\nb inf\nc -Infinity C\nd 1.5", prefix: "plant", unit: "", now: 1000)
        #expect(result.readings == [Reading(sensor: "plant/d", value: 1.5, unit: "", time: 1000)])
        #expect(result.failures.map(\.reason) == (1...3).map { "line \($0): expected \"name value [unit]\"" })
    }

    @Test func aFlatJSONObjectOfNumbers() {
        let dir = TemporaryDirectory()
        let path = script(dir, "json.sh", #"echo '{"co2": 415, "Room Temp": 21.5, "status": "ok"}'"#)
        let result = run(CommandInput(name: "air", arguments: path, timeout: 10_000))
        #expect(result.readings.map(\.sensor) == ["air/co2", "air/room_temp"])
        #expect(result.readings.map(\.value) == [415, 21.5])
        #expect(result.failures == [SensorFailure(sensor: "air/status", reason: "a string, not a number")])
    }

    @Test func argumentsAndEnvironmentReachTheProgram() {
        let result = run(CommandInput(name: "env", arguments: ["sh", "-c", "echo \"$1 $CAIRN_INPUT\"", "sh", "n 7"], timeout: 10_000))
        #expect(result.failures.isEmpty)
        // "$1 $CAIRN_INPUT" = "n 7 env": name n, value 7, unit "env".
        #expect(result.readings == [Reading(sensor: "env/n", value: 7, unit: "env", time: 1000)])
    }

    @Test func aNonZeroExitIsAFailureWithItsLastErrorLine() {
        let dir = TemporaryDirectory()
        let path = script(dir, "fail.sh", "echo 'flow 1'\necho 'modbus: no response from unit 3' >&2\nexit 3")
        let result = run(CommandInput(name: "plant", arguments: path, timeout: 10_000))
        #expect(result.readings.isEmpty)
        #expect(result.failures == [SensorFailure(sensor: "plant", reason: "exited with status 3: modbus: no response from unit 3")])
    }

    @Test func aHangingCommandIsKilledWithItsChildrenAtTheTimeout() throws {
        let dir = TemporaryDirectory()
        let path = script(dir, "hang.sh", "echo $$ > \(dir.file("sh.pid"))\nsleep 60 &\necho $! > \(dir.file("sleep.pid"))\nwait")
        let result = run(CommandInput(name: "slow", arguments: path, timeout: 300))
        #expect(result.failures == [SensorFailure(sensor: "slow", reason: "timed out after 0.3 s and was killed")])
        // Both the script and its background sleep are gone (killed as a group).
        for file in ["sh.pid", "sleep.pid"] {
            let pid = try #require(Int32(Text.trimmed(try String(contentsOfFile: dir.file(file), encoding: .utf8))))
            #expect(waitUntil(timeout: 5) { kill(pid, 0) != 0 && errno == ESRCH }, "\(file) \(pid) still alive")
        }
    }

    @Test func aFloodOfOutputIsCutOffAndKilled() {
        let result = run(CommandInput(name: "chatty", arguments: ["/bin/sh", "-c", "while :; do echo 'x 1'; done"], timeout: 60_000))
        #expect(result.failures == [SensorFailure(sensor: "chatty", reason: "wrote more than 65536 bytes and was killed")])
        #expect(result.readings.isEmpty)
    }

    @Test func aMissingProgramFailsAtStart() {
        let result = run(CommandInput(name: "x", arguments: ["/nonexistent/program"], timeout: 1000))
        #expect(result.failures == [SensorFailure(sensor: "x", reason: "cannot run /nonexistent/program: No such file or directory")])
    }

    @Test func aRunStillGoingWhenTheNextIsDueIsNotStartedTwice() {
        let input = CommandInput(name: "x", arguments: ["sleep", "60"], timeout: 60_000)
        #expect(input.start(nowMonotonic: 0) == nil)
        #expect(input.isRunning)
        #expect(input.start(nowMonotonic: 10) == nil)
        #expect(input.overruns == 1)
        input.stop()
        #expect(!input.isRunning)
    }
}

extension InputResult: Equatable {
    public static func == (a: InputResult, b: InputResult) -> Bool { a.readings == b.readings && a.failures == b.failures }
}
