import Testing
import CairnControl
import CairnCore
import CairnFuzzTargets

/// The fuzz targets' inputs in the normal suite: every input that ever made a
/// fuzzer fail (Fuzz/crashes/<target>/, kept with the fix) and every committed
/// seed (Fuzz/corpus/<target>/) goes through its target's check again: the same
/// entry point (`JSONParser.parse`, `ConfigLoader.apply(text:source:to:)`, …)
/// and the same properties as under libFuzzer (scripts/fuzz, docs/fuzzing.md).
@Suite struct FuzzRegressionTests {
    static let root: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)   // Tests/CairnControlTests/FuzzRegressionTests.swift
        return parts.joined(separator: "/")
    }()

    @Test(arguments: FuzzTargets.all.map(\.name))
    func committedCrashesAndSeedsPass(_ name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let seeds = FuzzFiles.inputs(in: "\(Self.root)/Fuzz/corpus/\(name)")
        #expect(!seeds.isEmpty, "a fuzz target needs seeds in Fuzz/corpus/\(name)")
        let crashes = FuzzFiles.inputs(in: "\(Self.root)/Fuzz/crashes/\(name)")
        for (directory, inputs) in [("crashes", crashes), ("corpus", seeds)] {
            for input in inputs {
                let failure = target.check(input.bytes)
                #expect(failure == nil, "Fuzz/\(directory)/\(name)/\(input.name): \(failure ?? "")")
            }
        }
    }

    /// The config target must not touch the file system: paths are taken unchecked.
    @Test func configTargetLeavesFilesUnchecked() throws {
        var config = Configuration()
        config.origin.checksFiles = false
        try ConfigLoader.apply(text: #"{"ca_file": "/nonexistent/ca.pem", "sysfs_root": "/nonexistent/sys"}"#,
                               source: "x.json", to: &config)
        #expect(config.uplink.caFile == "/nonexistent/ca.pem")
        #expect(config.agent.sysfsRoot == "/nonexistent/sys")
        var checked = Configuration()
        #expect(throws: ConfigError.self) {
            try ConfigLoader.apply(text: #"{"ca_file": "/nonexistent/ca.pem"}"#, source: "x.json", to: &checked)
        }
    }
}
