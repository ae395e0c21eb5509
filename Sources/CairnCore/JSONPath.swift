/// JSONPath-style locations ("$.inputs[2].port") for errors about a document
/// that has no file, line or column: a pushed configuration.
public enum JSONPath {
    public static let root = "$"

    /// `base.key`, or `base['key']` when the key is not a plain name.
    public static func member(_ base: String, _ key: String) -> String {
        var plain = !key.isEmpty
        for byte in key.utf8 {
            let ok = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x2D
            if !ok { plain = false }
        }
        if plain { return "\(base).\(key)" }
        var quoted: [UInt8] = []
        for byte in key.utf8 {
            if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\\") { quoted.append(UInt8(ascii: "\\")) }
            quoted.append(byte)
        }
        return "\(base)['\(String(decoding: quoted, as: UTF8.self))']"
    }

    public static func element(_ base: String, _ index: Int) -> String { "\(base)[\(index)]" }
}
