import Foundation
import Testing
import CairnTestSupport

/// packaging/systemd/cairn.service as systemd reads it: no warnings from
/// `systemd-analyze verify`, and an exposure of 2.5 or less from `systemd-analyze security`.
@Suite(.enabled(if: which("systemd-analyze") != nil, "needs systemd-analyze"))
struct ServiceUnitTests {
    static let unit: String = {
        // Tests/IntegrationTests/ServiceUnitTests.swift → package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("packaging/systemd/cairn.service").path
    }()

    /// Runs systemd-analyze; returns its exit status and stdout+stderr.
    static func analyze(_ arguments: [String]) throws -> (Int32, String) {
        let (status, output) = try runTool(which("systemd-analyze")!, arguments)
        return (status, output)
    }

    @Test func verifyFindsNothingButAMissingBinary() throws {
        // As shipped: the only complaint allowed is that /usr/bin/cairn is not installed here.
        let (_, shipped) = try Self.analyze(["verify", Self.unit])
        let complaints = shipped.split(separator: "\n").filter { !$0.isEmpty }
        let missing = "cairn.service: Command /usr/bin/cairn is not executable: No such file or directory"
        #expect(complaints.allSatisfy { $0 == missing }, "\(shipped)")

        // The same unit with ExecStart on the binary under test: no output at all (an unknown key
        // or a bad value is only a warning, with status 0, so the output is what counts).
        let dir = TemporaryDirectory("cairn-unit")
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        #expect(text.contains("ExecStart=/usr/bin/cairn "))
        #expect(text.contains("ExecStartPre=-+/usr/bin/cairn init --first-boot"))
        dir.write("cairn.service", text.replacingOccurrences(of: "/usr/bin/cairn ", with: "\(AgentBinary.path) "))
        let (status, output) = try Self.analyze(["verify", dir.file("cairn.service")])
        #expect(status == 0)
        #expect(output.isEmpty, "\(output)")
    }

    @Test func exposureIsAtMostTwoPointFive() throws {
        let (status, output) = try Self.analyze(["security", "--offline=true", Self.unit])
        #expect(status == 0, "\(output)")
        // "→ Overall exposure level for cairn.service: 1.1 OK 🙂"
        let line = try #require(output.split(separator: "\n").first { $0.contains("Overall exposure level for cairn.service:") }, "\(output)")
        let value = line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
        let score = try #require(value, "\(line)")
        #expect(score <= 2.5, "\(output)")
    }
}
