/// Builds JSON text directly into a byte buffer: the agent writes far more
/// JSON (telemetry batches) than it reads, so no intermediate tree.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    public init(reservingCapacity capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// Starts an object member; the next value written is its value.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = false }
    }

    public mutating func string(_ value: String) { separate(); appendQuoted(value) }
    public mutating func number(_ value: Double) { separate(); bytes.append(contentsOf: Numbers.format(value).utf8) }
    public mutating func integer(_ value: Int64) { separate(); JSONWriter.appendDecimal(value, to: &bytes) }
    public mutating func bool(_ value: Bool) { separate(); bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    public mutating func null() { separate(); bytes.append(contentsOf: "null".utf8) }

    /// Inserts text that is already valid JSON (a stored record body).
    public mutating func raw(_ json: String) { separate(); bytes.append(contentsOf: json.utf8) }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let n): number(n)
        case .string(let s): string(s)
        case .array(let items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case .object(let members):
            beginObject()
            for member in members {
                key(member.key)
                self.value(member.value)
            }
            endObject()
        }
    }

    public static func encode(_ value: JSONValue) -> String {
        var writer = JSONWriter()
        writer.value(value)
        return writer.text
    }

    /// `value` in decimal digits, written straight into `bytes` (no String on the way).
    public static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        withDecimal(value) { bytes.append(contentsOf: $0) }
    }

    /// `value`'s decimal digits handed to `body`: written backwards into 24 bytes on the
    /// stack, for one copy (a message of telemetry writes two per reading; digit by digit
    /// into an array, each digit a division, they cost 5 % of a drain's CPU).
    public static func withDecimal<T>(_ value: Int64, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &digits) { raw in
            var rest = value.magnitude
            var slot = raw.count
            repeat {
                // rest / 10 as a multiply and a shift, exact for every UInt64: the embedded
                // build is optimised for size, where a division by a constant stays a division
                // (a library call on armv7).
                let quotient = rest.multipliedFullWidth(by: 0xCCCC_CCCC_CCCC_CCCD).high >> 3
                slot -= 1
                raw[slot] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest &- quotient &* 10)
                rest = quotient
            } while rest > 0
            if value < 0 {
                slot -= 1
                raw[slot] = UInt8(ascii: "-")
            }
            return body(UnsafeRawBufferPointer(rebasing: raw[slot...]))
        }
    }

    private mutating func separate() {
        guard !needsComma.isEmpty else { return }
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in text.utf8 {
            switch b {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(b >> 4)])
                bytes.append(hex[Int(b & 0xF)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
