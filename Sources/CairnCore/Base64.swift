/// Standard base64 (RFC 4648 §4: `A–Z a–z 0–9 + /`, `=` padding), strict on input:
/// the length is a multiple of 4, padding only at the end (at most two `=`), no
/// white space or line breaks, and the unused bits of the last character zero, so
/// each byte string has exactly one accepted text. Signed envelopes carry their
/// document and signature this way (`openssl base64 -A` writes the same text).
public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            index += 3
        }
        let left = bytes.count - index
        if left > 0 {
            let n = UInt32(bytes[index]) << 16 | (left == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(left == 2 ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes, or nil when the text is not strict standard base64.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var padding = 0
        if chars.last == UInt8(ascii: "=") { padding = chars.count >= 2 && chars[chars.count - 2] == UInt8(ascii: "=") ? 2 : 1 }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3)
        var index = 0
        while index < chars.count {
            let last = index + 4 == chars.count
            var n: UInt32 = 0
            for offset in 0..<4 {
                let char = chars[index + offset]
                let value: UInt32
                if last && offset >= 4 - padding {
                    value = 0   // '=' (checked to be one above)
                } else {
                    guard let decoded = sextet(char) else { return nil }
                    value = decoded
                }
                n = n << 6 | value
            }
            out.append(UInt8(n >> 16 & 0xFF))
            if !(last && padding == 2) { out.append(UInt8(n >> 8 & 0xFF)) }
            if !(last && padding >= 1) { out.append(UInt8(n & 0xFF)) }
            if last {
                // Bits that padding leaves unused must be zero (one text per byte string).
                if padding == 2 && n & 0xFFFF != 0 { return nil }
                if padding == 1 && n & 0xFF != 0 { return nil }
            }
            index += 4
        }
        return out
    }

    private static func sextet(_ char: UInt8) -> UInt32? {
        switch char {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(char - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(char - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(char - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
