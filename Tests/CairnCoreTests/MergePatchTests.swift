import Testing
@testable import CairnCore

/// RFC 7386 JSON Merge Patch: the appendix's examples, and the limits that
/// keep it safe on hostile input.
@Suite struct MergePatchTests {
    /// Compared as canonical text: parsed members carry their source positions.
    func merged(_ target: String, _ patch: String) throws -> String {
        JSONWriter.encode(try JSONMergePatch.apply(try JSONParser.parse(patch), to: try JSONParser.parse(target)))
    }

    func canonical(_ text: String) throws -> String { JSONWriter.encode(try JSONParser.parse(text)) }

    /// Appendix A of RFC 7386, every row: original, patch, result.
    static let appendix: [[String]] = [
        [#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#],
        [#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#],
        [#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#],
        [#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#],
        [#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#],
        [#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#],
        [#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#],
        [#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#],
        [#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#],
        [#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#],
        [#"{"a":"foo"}"#, #"null"#, #"null"#],
        [#"{"a":"foo"}"#, #""bar""#, #""bar""#],
        [#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#],
        [#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#],
        [#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#],
    ]

    @Test(arguments: appendix)
    func appendixExample(_ row: [String]) throws {
        #expect(try merged(row[0], row[1]) == (try canonical(row[2])), "\(row[0]) + \(row[1])")
    }

    /// The example of RFC 7386 section 3.
    @Test func sectionThreeExample() throws {
        let target = """
            {"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"},
             "tags": ["example", "sample"], "content": "This will be unchanged"}
            """
        let patch = #"{"title": "Hello!", "phoneNumber": "+01-123-456-7890", "author": {"familyName": null}, "tags": ["example"]}"#
        let result = """
            {"title": "Hello!", "author": {"givenName": "John"}, "tags": ["example"],
             "content": "This will be unchanged", "phoneNumber": "+01-123-456-7890"}
            """
        #expect(try merged(target, patch) == (try canonical(result)))
    }

    @Test func aConfigurationPatchChangesOneDeadbandAndKeepsTheRest() throws {
        let base = #"{"interval": 1, "inputs": [{"type": "hwmon"}], "pipelines": [{"match": "a", "stages": [{"type": "deadband", "absolute": 1}]}]}"#
        // Arrays are replaced whole (RFC 7386 has no array edits).
        let patch = #"{"pipelines": [{"match": "a", "stages": [{"type": "deadband", "absolute": 2}]}], "log_level": "debug"}"#
        #expect(try merged(base, patch) == (try canonical(
            #"{"interval": 1, "inputs": [{"type": "hwmon"}], "pipelines": [{"match": "a", "stages": [{"type": "deadband", "absolute": 2}]}], "log_level": "debug"}"#)))
    }

    @Test func nestingBeyondTheLimitIsAnErrorNotADeepRecursion() throws {
        // Built in code, past what the parser would ever produce.
        var patch: JSONValue = .number(1)
        for _ in 0..<40 { patch = .object([JSONMember(key: "a", value: patch)]) }
        #expect(throws: MergePatchError.self) { try JSONMergePatch.apply(patch, to: .object([])) }
        _ = try JSONMergePatch.apply(patch, to: .object([]), maxDepth: 64)
        // A parsed document of the parser's largest depth merges.
        let deepest = String(repeating: #"{"a":"#, count: 32) + "1" + String(repeating: "}", count: 32)
        _ = try JSONMergePatch.apply(try JSONParser.parse(deepest), to: try JSONParser.parse(deepest))
    }

    @Test func largeObjectsMergeInLinearTime() throws {
        var target: [JSONMember] = [], patch: [JSONMember] = []
        for i in 0..<20_000 {
            target.append(JSONMember(key: "k\(i)", value: .number(Double(i))))
            patch.append(JSONMember(key: "k\(i * 2)", value: i % 2 == 0 ? .null : .string("x")))
        }
        let result = try JSONMergePatch.apply(.object(patch), to: .object(target))
        // Even i: k(2i) removed (for 2i < 20000); odd i: k(2i) set, new past 20000.
        #expect(result.members?.count == 20_000 - 5_000 + 5_000)
    }
}

@Suite struct PushInputTests {
    @Test func utf8IsCheckedStrictly() {
        #expect(UTF8Check.isValid(Array("plain é 😀".utf8)))
        #expect(UTF8Check.firstInvalidOffset([0x41, 0xC3]) == 1)              // truncated
        #expect(UTF8Check.firstInvalidOffset([0xC0, 0x80]) == 0)              // overlong NUL
        #expect(UTF8Check.firstInvalidOffset([0xE0, 0x80, 0x80]) == 0)        // overlong
        #expect(UTF8Check.firstInvalidOffset([0xED, 0xA0, 0x80]) == 0)        // surrogate
        #expect(UTF8Check.firstInvalidOffset([0xF4, 0x90, 0x80, 0x80]) == 0)  // above U+10FFFF
        #expect(UTF8Check.firstInvalidOffset([0x41, 0xFF]) == 1)
        #expect(UTF8Check.firstInvalidOffset([0xE2, 0x82, 0x41]) == 0)        // bad continuation
    }

    @Test func theParserRefusesBytesThatAreNotUTF8() {
        do {
            _ = try JSONParser.parse(bytes: [0x7B, 0x0A, 0x22, 0x61, 0xFF, 0x22, 0x3A, 0x31, 0x7D])
            Issue.record("accepted")
        } catch {
            #expect(error.message == "not UTF-8: invalid byte 0xff at offset 4")
            #expect(error.line == 2 && error.column == 3)
        }
    }

    @Test func theSizeLimitIsCheckedBeforeParsing() {
        // Unparseable and too large: the size is what is reported.
        #expect(throws: JSONError.self) { try JSONParser.parse(bytes: [UInt8](repeating: 0x5B, count: 100), maxBytes: 99) }
        do {
            _ = try JSONParser.parse(bytes: [UInt8](repeating: 0x5B, count: 100), maxBytes: 99)
        } catch {
            #expect(error.message == "document is 100 bytes, more than the limit of 99")
        }
        // Deep nesting stops at the limit, without deep recursion.
        let deep = [UInt8](repeating: 0x5B, count: 100_000)
        #expect(throws: JSONError.self) { try JSONParser.parse(bytes: deep, maxBytes: 1 << 20) }
    }

    @Test func base64RoundTripsAndIsStrict() {
        for text in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            let encoded = Base64.encode(Array(text.utf8))
            #expect(Base64.decode(encoded) == Array(text.utf8))
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.decode("Zm8") == nil)       // no padding
        #expect(Base64.decode("Zm9=") == nil)      // unused bits set
        #expect(Base64.decode("Z=8=") == nil)      // padding inside
        #expect(Base64.decode("Zm8=Zm8=") == nil)  // padding before the end
        #expect(Base64.decode("Zm-_") == nil)      // URL alphabet
    }

    @Test func pathsQuoteKeysThatAreNotNames() {
        #expect(JSONPath.member("$", "inputs") == "$.inputs")
        #expect(JSONPath.element(JSONPath.member("$", "inputs"), 2) == "$.inputs[2]")
        #expect(JSONPath.member("$", "a b") == "$['a b']")
        #expect(JSONPath.member("$", "it's") == #"$['it\'s']"#)
    }
}
