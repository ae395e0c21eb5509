import Testing
@testable import CairnCore

/// The log's line format: one event, one line, whatever the message holds.
@Suite struct LogTests {
    @Test func aLineIsTimeLevelAndMessageAndALineBreakInsideIsEscaped() {
        let line = String(decoding: Log.line(.error, "queue unusable (quick_check: *** in database main ***\nPage 41: error 11)\r", time: 1_796_049_897_684),
                          as: UTF8.self)
        #expect(line == "2026-11-30T14:44:57.684Z error queue unusable (quick_check: *** in database main ***\\nPage 41: error 11)\\r\n")
        #expect(line.filter { $0 == "\n" }.count == 1)
    }
}
