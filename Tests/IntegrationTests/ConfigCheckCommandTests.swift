import Foundation
import Testing
import CairnTestSupport

/// `cairn config check FILE` as a user runs it: one line per error
/// (`file:line:column: $.path: message`), exit 1; a good file, one line, exit 0.
@Suite struct ConfigCheckCommandTests {
    @Test func aFileWithSeveralMistakesGetsOneLineForEach() throws {
        let dir = TemporaryDirectory()
        let file = dir.file("cairn.json")
        dir.write("cairn.json", """
        {
          "interval": 5,
          "colour": "blue",
          "inputs": [
            {"type": "hwmon"},
            {"type": "http", "port": 70000},
            {"type": "file", "name": "ups"}
          ],
          "pipelines": [
            {"match": "hwmon/*", "stages": [{"type": "smooth"}]}
          ]
        }
        """)
        let (status, output) = try AgentBinary.run(["config", "check", file], directory: dir)
        #expect(status == 1, "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines == [
            "\(file):3:3: $.colour: unknown setting \"colour\"",
            "\(file):6:22: $.inputs[1].port: input 2: port: 70000 is outside 1…65535",
            "\(file):7:6: $.inputs[2]: input 3: \"path\" is required",
            "\(file):10:38: $.pipelines[0].stages[0].type: pipeline 1 (\"hwmon/*\") stage 1: type: unknown type \"smooth\" (expected scale, range, deadband, rate_limit, window or spike)",
            "\(file): 4 errors",
        ], "\(output)")

        // cairn run refuses the same file, naming each error.
        let (runStatus, runOutput) = try AgentBinary.run(["run", "--config", file, "--data-dir", dir.file("data")], directory: dir)
        #expect(runStatus == 2, "\(runOutput)")
        #expect(runOutput.split(separator: "\n").count == 4, "\(runOutput)")
        #expect(runOutput.hasPrefix("cairn: \(file):3:3: unknown setting \"colour\"\n"), "\(runOutput)")
    }

    @Test func aGoodFileSaysOk() throws {
        let dir = TemporaryDirectory()
        let file = dir.file("cairn.json")
        dir.write("cairn.json", #"{"interval": 5, "inputs": [{"type": "hwmon"}, {"type": "health"}], "rules": [{"name": "hot", "match": "x", "above": 1}]}"#)
        let (status, output) = try AgentBinary.run(["config", "check", file], directory: dir)
        #expect(status == 0, "\(output)")
        #expect(output == "\(file): ok (3 settings, 2 inputs, 0 pipelines, 1 rule)\n")
        let (badFlag, flagOutput) = try AgentBinary.run(["config", "check", file, "--interval", "0"], directory: dir)
        #expect(badFlag == 1, "\(flagOutput)")
        #expect(flagOutput.hasPrefix("--interval: 0 is outside 0.01…86400\n"), "\(flagOutput)")
    }
}
