/// Standard base64 (RFC 4648 §4, with padding), strictly: no line breaks, no
/// other alphabet, padding only at the end, unused bits zero.
public enum Base64 {
    public static func decode(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var index = 0
        while index < text.count {
            let last = index + 4 == text.count
            var values: [UInt8] = [0, 0, 0, 0]
            var padding = 0
            for offset in 0..<4 {
                let c = text[index + offset]
                if c == UInt8(ascii: "=") {
                    // Only the last one or two characters of the last group.
                    guard last, offset >= 2 else { return nil }
                    padding += 1
                    continue
                }
                guard padding == 0, let value = sextet(c) else { return nil }
                values[offset] = value
            }
            let bits = UInt32(values[0]) << 18 | UInt32(values[1]) << 12 | UInt32(values[2]) << 6 | UInt32(values[3])
            out.append(UInt8((bits >> 16) & 0xFF))
            if padding < 2 { out.append(UInt8((bits >> 8) & 0xFF)) }
            if padding < 1 { out.append(UInt8(bits & 0xFF)) }
            // Bits the padding leaves unused must be zero (one encoding per byte string).
            if padding == 2 && bits & 0xFFFF != 0 { return nil }
            if padding == 1 && bits & 0xFF != 0 { return nil }
            index += 4
        }
        return out
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let n = min(3, bytes.count - index)
            var bits = UInt32(bytes[index]) << 16
            if n > 1 { bits |= UInt32(bytes[index + 1]) << 8 }
            if n > 2 { bits |= UInt32(bytes[index + 2]) }
            out.append(alphabet[Int((bits >> 18) & 63)])
            out.append(alphabet[Int((bits >> 12) & 63)])
            out.append(n > 1 ? alphabet[Int((bits >> 6) & 63)] : UInt8(ascii: "="))
            out.append(n > 2 ? alphabet[Int(bits & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func sextet(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
