import Foundation
import Testing
import CairnCore
@testable import CairnControl

/// Every configuration file shown in the docs loads as shown: a reader who
/// copies an example gets a running agent, not an error.
@Suite struct DocExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The ```json blocks of a doc that are whole config files: objects holding an
    /// input, pipeline or rule section (fragments such as one stage, and pushed
    /// documents with a `version`, are not files).
    static func configExamples(_ doc: String) throws -> [(line: Int, text: String)] {
        let text = try String(contentsOf: root.appendingPathComponent(doc), encoding: .utf8)
        var examples: [(line: Int, text: String)] = []
        var block: [String]?
        var start = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if block == nil, line.hasPrefix("```json") {
                block = []
                start = index + 2
            } else if let lines = block, line.hasPrefix("```") {
                let body = lines.joined(separator: "\n")
                if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], object["version"] == nil,
                   object.keys.contains(where: { ["inputs", "pipelines", "rules"].contains($0) }) {
                    examples.append((start, body))
                }
                block = nil
            } else if block != nil {
                block?.append(String(line))
            }
        }
        return examples
    }

    @Test(arguments: ["docs/pipeline.md", "docs/config.md", "README.md"])
    func everyConfigFileInTheDocLoads(_ doc: String) throws {
        let examples = try Self.configExamples(doc)
        if doc == "docs/pipeline.md" { #expect(examples.count >= 1, "the example at the top of \(doc) was not found") }
        let file = NSTemporaryDirectory() + "cairn-doc-example-\(UInt32.random(in: 0...UInt32.max)).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        for example in examples {
            try example.text.write(toFile: file, atomically: true, encoding: .utf8)
            // As `cairn config check` would: the file, then the checks across settings.
            if case .failure(let failure) = ConfigLoader.check(file: file, flags: []) {
                Issue.record("\(doc), the example from line \(example.line): \(failure.errors.map(\.description).joined(separator: "\n"))")
            }
        }
    }
}
