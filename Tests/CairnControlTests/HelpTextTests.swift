import Testing
@testable import CairnControl

@Suite struct HelpTextTests {
    @Test func longFlagsGetALineOfTheirOwnAndTextWrapsAtTheColumn() {
        let text = HelpText.render([
            HelpText.Row("--short N", "fits"),
            HelpText.Row("--a-flag-much-too-long-for-the-column SECONDS", "text on the next line"),
            HelpText.Row("--wrapped", String(repeating: "word ", count: 30)),
        ])
        let lines = text.split(separator: "\n").map(String.init)
        let pad = String(repeating: " ", count: HelpText.column)
        #expect(lines[0] == "  --short N" + String(repeating: " ", count: HelpText.column - 11) + "fits")
        #expect(lines[1] == "  --a-flag-much-too-long-for-the-column SECONDS")
        #expect(lines[2] == pad + "text on the next line")
        #expect(lines[3].hasPrefix("  --wrapped ") && lines.count == 6)
        #expect(lines[4].hasPrefix(pad + "word") && lines[5].hasPrefix(pad + "word"))
        #expect(lines.allSatisfy { $0.utf8.count <= HelpText.width })
    }
}
