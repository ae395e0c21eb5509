import CairnCore

/// Record bodies are JSON object members without braces; the envelope
/// (`seq`/`id`, `time`) is written around them when a record is sent.
enum BodyFragment {
    /// A complete JSON object minus its "seq" and "time" members, as members text.
    static func strippingEnvelope(_ json: String) -> String {
        guard let value = try? JSONParser.parse(json), let members = value.members else { return "\"body\":" + quoted(json) }
        var writer = JSONWriter()
        writer.beginObject()
        for member in members where member.key != "seq" && member.key != "time" {
            writer.key(member.key)
            writer.value(member.value)
        }
        writer.endObject()
        return String(decoding: writer.bytes.dropFirst().dropLast(), as: UTF8.self)
    }

    private static func quoted(_ text: String) -> String {
        var writer = JSONWriter()
        writer.string(text)
        return writer.text
    }
}
