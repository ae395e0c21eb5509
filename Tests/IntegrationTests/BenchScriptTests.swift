import Foundation
import Testing
import CairnTestSupport

/// The shell scripts that build and measure the agent build what they measure.
@Suite struct BenchScriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Logical lines (backslash continuations joined) of every text file under bench/ and scripts/.
    static func scriptLines() -> [(file: String, line: String)] {
        var out: [(String, String)] = []
        for folder in ["bench", "scripts"] {
            let base = root.appendingPathComponent(folder)
            guard let walk = FileManager.default.enumerator(atPath: base.path) else { continue }
            for case let name as String in walk {
                guard let text = try? String(contentsOf: base.appendingPathComponent(name), encoding: .utf8),
                      text.hasPrefix("#!") else { continue }
                for line in text.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n") {
                    out.append(("\(folder)/\(name)", String(line)))
                }
            }
        }
        return out
    }

    @Test func eachSwiftBuildNamesOneProductAndAnExistingBinaryIsNotTakenForAFreshOne() {
        let lines = BenchScriptTests.scriptLines()
        #expect(lines.contains { $0.file == "bench/drain/run.sh" }, "scripts not found under \(BenchScriptTests.root.path)")
        for (file, line) in lines where line.contains("swift build") {
            // SwiftPM builds only the last of several --product flags.
            for command in line.components(separatedBy: CharacterSet(charactersIn: ";&|")) where command.contains("swift build") {
                #expect(command.components(separatedBy: "--product ").count <= 2, "\(file): \(line)")
            }
            // `[ -x bin ] || swift build` measures whatever binary was left there, however old.
            #expect(!(line.contains("[ -x") && line.contains("] || swift build")), "\(file): \(line)")
        }
    }

    /// bench/cluster in short: a three-node RabbitMQ cluster on loopback, three agents with
    /// the nodes in their broker lists, node 2 SIGKILLed under load. Every agent's numbers
    /// arrive at the consumer on node 1 (RabbitMQ 3.10 speaks MQTT 3.1.1 only: the agents
    /// fall back to it). Native binaries only (the script runs the binary directly), and not
    /// in the sanitized run: .ci/run runs that beside the other suites, and two clusters at
    /// once would share one epmd, which the first to finish stops.
    @Test(.enabled(if: AgentBinary.wrapper == nil && ProcessInfo.processInfo.environment["ASAN_OPTIONS"] == nil
                       && FileManager.default.isExecutableFile(atPath: "/usr/lib/rabbitmq/bin/rabbitmq-server"),
                   "needs rabbitmq-server (scripts/install-deps) and a native, unsanitized binary"))
    func aClusterNodeKilledUnderLoadLosesNoReading() throws {
        let (status, output) = try runTool("/bin/bash", ["bench/cluster/run.sh", "3"],
                                           environment: ["CLUSTER_BEFORE": "5", "CLUSTER_AFTER": "8", "CAIRN_BIN": AgentBinary.path],
                                           directory: BenchScriptTests.root.path)
        #expect(status == 0 && output.contains("readings lost: 0"), "\(output)")
        #expect(output.contains("speaking MQTT 3.1.1"), "\(output)")
        let moved = output.components(separatedBy: "after the kill: ").dropFirst().first?.prefix(while: \.isNumber) ?? ""
        #expect((Int(moved) ?? 0) >= 1, "no agent moved off the killed node: \(output)")
    }

    /// bench/chaos in its CI length (2 minutes of faults): every sequence number the
    /// agent assigned is delivered or counted in a loss report. Needs root (the run
    /// mounts tmpfs file systems) and a native binary (the script runs it directly).
    /// Runs under AddressSanitizer too (scripts/sanitize). Seeds that once failed here
    /// (13075: `unexplained: 233`, 18107: 154: counts lost with the corrupt file) replay
    /// with `CAIRN_CHAOS_SEED`.
    @Test(.enabled(if: geteuid() == 0 && AgentBinary.wrapper == nil, "needs root and a native binary"))
    func chaosRunLeavesNoSequenceNumberUnexplained() throws {
        let (status, output) = try runTool("/bin/bash", ["bench/chaos/run.sh"],
                                           environment: ["CAIRN_CHAOS_SECONDS": "120", "CAIRN_BIN": AgentBinary.path],
                                           directory: BenchScriptTests.root.path)
        #expect(status == 0 && output.contains("\nunexplained: 0\n"), "\(output)")
    }

    /// bench/scale's sensor sweep in short (no backlogs: nothing to build): each row counts
    /// the agent's own readings of its tree, whole reads of every channel.
    @Test(.enabled(if: AgentBinary.wrapper == nil, "the script runs the binary directly"))
    func scaleCountsWholeReadsOfEachTree() throws {
        let (status, output) = try runTool("/bin/bash", ["bench/scale/run.sh"],
                                           environment: ["SCALE_SENSORS": "10 250", "SCALE_SECONDS": "3", "SCALE_BACKLOGS": "",
                                                         "CAIRN_BIN": AgentBinary.path],
                                           directory: BenchScriptTests.root.path)
        #expect(status == 0, "\(output)")
        for sensors in [10, 250] {
            let row = output.split(separator: "\n").first { $0.split(separator: " ").first == Substring("\(sensors)") }
            let readings = row.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[2]) } ?? 0
            #expect(readings > 0 && readings % sensors == 0, "\(sensors) sensors: \(row ?? "no row")\n\(output)")
        }
    }

    /// bench/all's table from one benchmark's rows, the goal checked; an unknown name refused.
    @Test(.enabled(if: AgentBinary.wrapper == nil, "the script runs the binary directly"))
    func allPrintsOneTableWithEachGoalChecked() throws {
        let logs = TemporaryDirectory("bench-all")
        let (status, output) = try runTool("/bin/bash", ["bench/all", "write"],
                                           environment: ["WRITE_SECONDS": "2", "CAIRN_BIN": AgentBinary.path, "BENCH_LOGS": logs.path],
                                           directory: BenchScriptTests.root.path)
        #expect(status == 0, "\(output)")
        let row = output.split(separator: "\n").first { $0.hasPrefix("write ") } ?? ""
        #expect(row.contains("storage bytes written per reading") && row.contains("<= 250"), "\(output)")
        #expect(row.hasSuffix("yes") || row.hasSuffix("NO"), "goal not checked: \(row)")
        let (refused, message) = try runTool("/bin/bash", ["bench/all", "nosuch"], environment: ["CAIRN_BIN": AgentBinary.path, "BENCH_LOGS": logs.path],
                                             directory: BenchScriptTests.root.path)
        #expect(refused == 2 && message.contains("no benchmark \"nosuch\""), "\(message)")
    }
}
