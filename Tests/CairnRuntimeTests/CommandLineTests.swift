import Foundation
import Testing
import CairnControl
import CairnTestSupport

/// What a user meets first: `cairn --help`, each command's own help, and the
/// answer to a flag that does not exist — from the real binary.
@Suite struct CommandLineTests {
    let dir = TemporaryDirectory("cairn-cli")

    func cairn(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try AgentBinary.run(arguments, directory: dir)
    }

    /// Every line fits 100 columns; every flag of the option table has two spaces (or a line end) before its text.
    @Test func everyFlagStandsApartFromItsHelpAndLinesFitTheWidth() throws {
        for arguments in [["--help"], ["run", "--help"]] {
            let (status, output) = try cairn(arguments)
            #expect(status == 0)
            let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for line in lines {
                #expect(line.count <= 100, "cairn \(arguments.joined(separator: " ")): \(line.count) columns: \(line)")
            }
            for left in ["--config FILE"] + OptionTable.all.map({ "\($0.flag) \($0.placeholder)" }) {
                let row = lines.first { $0.hasPrefix("  \(left)") }
                #expect(row != nil, "\(left) missing from cairn \(arguments.joined(separator: " "))")
                guard let row else { continue }
                // The flag column ends, then at least two spaces (or the line), then the text.
                let rest = row.dropFirst(2 + left.count)
                #expect(rest.isEmpty || rest.hasPrefix("  "), "flag and help run together: \(row)")
            }
        }
    }

    @Test func eachCommandPrintsItsOwnHelp() throws {
        let expected = [
            "run": ["--broker URL", "--queue-budget-mb MB", "--config FILE"],
            "status": ["--data-dir DIR", "--config FILE"],
            "sensors": ["--sysfs-root DIR", "--proc-root DIR"],
            "queue": ["stats", "peek", "purge", "--stream S", "--limit N", "--data-dir DIR"],
        ]
        for (command, flags) in expected {
            for help in ["--help", "-h"] {
                let (status, output) = try cairn([command, help])
                #expect(status == 0, "cairn \(command) \(help): \(output)")
                #expect(output.hasPrefix("usage: cairn \(command)"), "\(output)")
                for flag in flags {
                    #expect(output.contains("\n  \(flag)"), "cairn \(command) \(help) does not list \(flag):\n\(output)")
                }
            }
        }
        // Flags of other commands are not listed as if they applied.
        #expect(!(try cairn(["status", "--help"]).output.contains("--broker")))
        #expect(try cairn(["queue", "stats", "--help"]).status == 0)
    }

    @Test func anUnknownFlagIsNamedUnknown() throws {
        for arguments in [["run", "--bogus"], ["run", "--bogus", "1"], ["status", "--bogus=1"], ["sensors", "--bogus"],
                          ["queue", "stats", "--bogus"]] {
            let (status, output) = try cairn(arguments)
            #expect(status == 2)
            #expect(output == "cairn: unknown flag --bogus (see cairn --help)\n", "cairn \(arguments.joined(separator: " ")): \(output)")
        }
        let (status, output) = try cairn(["queue", "peek", "--stream"])
        #expect(status == 2 && output == "cairn: --stream needs a value\n", "\(output)")
    }
}
