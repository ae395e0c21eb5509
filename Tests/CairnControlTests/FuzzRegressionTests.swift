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

    /// What the fuzzer's 4096-byte inputs cannot reach, through the same entry point
    /// and the config target's check: a file at the 256 KiB limit, one byte over it,
    /// and nesting 100,000 levels deep (an error, not a stack overflow).
    @Test func configsBeyondTheFuzzersLength() throws {
        let target = try #require(FuzzTargets.named("config"))
        let prefix = #"{"username": ""#, suffix = #""}"#
        let fill = ConfigLoader.maxConfigBytes - prefix.utf8.count - suffix.utf8.count
        let atLimit = prefix + String(repeating: "a", count: fill) + suffix
        let over = prefix + String(repeating: "a", count: fill + 1) + suffix
        let deep = #"{"inputs": "# + String(repeating: "[", count: 100_000)
        var config = Configuration()
        try ConfigLoader.apply(text: atLimit, source: "big.json", to: &config)
        #expect(config.uplink.username?.utf8.count == fill)
        do {
            try ConfigLoader.apply(text: over, source: "big.json", to: &config)
            Issue.record("a config over \(ConfigLoader.maxConfigBytes) bytes was accepted")
        } catch {
            #expect(error.description == "big.json:1:1: document is \(ConfigLoader.maxConfigBytes + 1) bytes, more than the limit of \(ConfigLoader.maxConfigBytes)")
        }
        do {
            try ConfigLoader.apply(text: deep, source: "deep.json", to: &config)
            Issue.record("a config nested 100,000 deep was accepted")
        } catch {
            #expect(error.message == "nesting deeper than 32 levels")
        }
        for text in [atLimit, over, deep] {
            #expect(target.check(Array(text.utf8)) == nil)
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
