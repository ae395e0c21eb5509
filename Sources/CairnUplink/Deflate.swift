import CZlib

/// zlib's compress2 (RFC 1950 zlib stream, the "deflate" content coding):
/// the one place the uplink touches zlib. Python reads it with zlib.decompress.
public enum Deflate {
    /// The compressed bytes, or nil when zlib fails (never expected for in-memory buffers).
    public static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8]? {
        var capacity = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let code = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                compress2(out.baseAddress, &capacity, inp.baseAddress, uLong(inp.count), level)
            }
        }
        guard code == Z_OK else { return nil }
        output.removeLast(output.count - Int(capacity))
        return output
    }

    /// Inflates a zlib stream of at most `limit` bytes (tests and tools).
    public static func decompress(_ input: [UInt8], limit: Int) -> [UInt8]? {
        var length = uLong(limit)
        var output = [UInt8](repeating: 0, count: limit)
        let code = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in uncompress(out.baseAddress, &length, inp.baseAddress, uLong(inp.count)) }
        }
        guard code == Z_OK else { return nil }
        output.removeLast(output.count - Int(length))
        return output
    }
}
