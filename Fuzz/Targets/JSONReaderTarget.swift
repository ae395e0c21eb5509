import CairnCore

/// The JSON reader (`JSONParser.parse`, what reads config files, pushed
/// documents and HTTP ingest bodies) on arbitrary text, with its default limits.
/// Beyond not crashing:
/// - an error names a line and column inside the text;
/// - a document it accepts nests at most `JSONParser.defaultMaxDepth` levels;
/// - `JSONWriter` writes every accepted document as text that reads back as
///   the same value, and writing that again gives the same text.
public enum JSONReaderTarget {
    public static func check(_ bytes: [UInt8]) -> String? {
        // The parser reads Strings: bytes that are not UTF-8 become U+FFFD here,
        // as they do wherever the agent makes a String of what it received.
        let text = String(decoding: bytes, as: UTF8.self)
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            if error.message.isEmpty { return "an error without a message" }
            return FuzzCheck.positionProblem(line: error.line, column: error.column, in: text).map { "error \"\(error)\": \($0)" }
        }
        let depth = FuzzCheck.depth(value)
        if depth > JSONParser.defaultMaxDepth { return "accepted a document \(depth) levels deep" }
        let written = JSONWriter.encode(value)
        let reread: JSONValue
        do {
            reread = try JSONParser.parse(written)
        } catch {
            return "the writer's text does not read back (\(error)): \(written)"
        }
        if !FuzzCheck.same(value, reread) { return "the writer's text reads back as another value: \(written)" }
        let rewritten = JSONWriter.encode(reread)
        if rewritten != written { return "writing twice gives different text: \(written) then \(rewritten)" }
        return nil
    }
}
