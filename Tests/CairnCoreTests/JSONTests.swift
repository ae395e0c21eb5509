import Testing
@testable import CairnCore

@Suite struct JSONTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#"{"a": [1, -2.5e3, true, false, null], "b": {"c": "d\n\u00e9\ud83d\ude00"}}"#)
        #expect(value["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d\né😀"))
    }

    @Test func reportsLineAndColumnOfErrors() {
        let text = "{\n  \"a\": 1,\n  \"b\": tru\n}"
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"abc", "{\"a\":1}x", "\"\\x\"", "\"\\ud800\"", "[1 2]"])
    func rejectsMalformedDocuments(_ text: String) {
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsDuplicateKeys() {
        #expect(throws: JSONError.self) { try JSONParser.parse(#"{"a":1,"a":2}"#) }
    }

    @Test func limitsDepthAndSize() throws {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(throws: JSONError.self) { try JSONParser.parse(deep) }
        _ = try JSONParser.parse(deep, maxDepth: 64)
        #expect(throws: JSONError.self) { try JSONParser.parse("[1,2,3]", maxBytes: 4) }
    }

    /// Nesting far past the limit is an error, not a stack overflow, whatever opens the levels
    /// (the parser recurses once per level and stops at `maxDepth`).
    @Test(arguments: ["[", "{\"a\":", "[{\"a\":"])
    func deepNestingIsAnErrorNotACrash(_ opener: String) {
        let deep = String(repeating: opener, count: 100_000)
        #expect(throws: JSONError.self) { try JSONParser.parse(deep) }
        do {
            _ = try JSONParser.parse(deep, maxBytes: 1 << 23)
        } catch {
            #expect(error.message == "nesting deeper than 32 levels")
        }
        #expect(throws: JSONError.self) { try JSONParser.parse(deep, maxBytes: 1 << 23, maxDepth: 200) }
    }

    @Test func writerRoundTripsThroughParser() throws {
        let original: JSONValue = .object([
            JSONMember(key: "text", value: .string("quote \" backslash \\ tab \t ctl \u{01} é")),
            JSONMember(key: "n", value: .array([.number(0.1), .number(-3), .number(1e-7), .number(123456.789)])),
            JSONMember(key: "empty", value: .object([])),
        ])
        let parsed = try JSONParser.parse(JSONWriter.encode(original))
        #expect(parsed["text"] == original["text"])
        #expect(parsed["n"] == original["n"])
        #expect(parsed["empty"] == .object([]))
    }

    @Test func integersAreWrittenAsSwiftPrintsThem() {
        var values: [Int64] = [0, 1, 9, 10, 99, 100, -1, -9, -10, 1_800_000_000_000, Int64.max, Int64.min, Int64.min + 1]
        var state: UInt64 = 7
        for _ in 0..<500 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(Int64(bitPattern: state) >> (state % 64))
        }
        for value in values {
            var writer = JSONWriter()
            writer.integer(value)
            #expect(writer.text == String(value))
        }
    }

    @Test func numbersFormatShortestAndRejectNonFinite() {
        #expect(Numbers.format(42) == "42")
        #expect(Numbers.format(0.1) == "0.1")
        #expect(Numbers.format(-12.5) == "-12.5")
        #expect(Numbers.format(1.0 / 3.0) == "0.3333333333333333")
        #expect(Numbers.format(.nan) == "null")
        #expect(Numbers.format(.infinity) == "null")
        #expect(Numbers.parseDouble("4.25") == 4.25)
        #expect(Numbers.parseDouble("4.25x") == nil)
        #expect(Numbers.parseDouble("") == nil)
    }
}
