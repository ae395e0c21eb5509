import CZlib

/// One zlib deflate stream (RFC 1950 zlib format, the "deflate" content coding),
/// reset for each payload: its state (about 256 KiB) is allocated once, not per
/// message. The one place the uplink compresses; Python reads it with zlib.decompress.
public final class Deflater {
    public let level: Int32
    private let stream: UnsafeMutablePointer<z_stream>
    private let ready: Bool

    /// `level`: zlib's 1 (fastest) to 9 (smallest).
    public init(level: Int32) {
        self.level = level
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        ready = cairn_deflate_init(stream, level) == Z_OK
    }

    deinit {
        if ready { deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Room for the largest output so far, kept between payloads.
    private var output: [UInt8] = []

    /// The compressed bytes, or nil when zlib fails (never expected for in-memory buffers).
    /// The result is allocated at its own size: a payload a tenth of its JSON does not
    /// keep the JSON's room.
    public func compress(_ input: [UInt8]) -> [UInt8]? {
        guard ready, deflateReset(stream) == Z_OK else { return nil }
        let bound = Int(deflateBound(stream, uLong(input.count)))
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
        let code = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { inp in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
                stream.pointee.avail_in = uInt(inp.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(bound)
                return deflate(stream, Z_FINISH)
            }
        }
        let written = bound - Int(stream.pointee.avail_out)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        guard code == Z_STREAM_END else { return nil }
        return Array(output[0..<written])
    }
}

public enum Deflate {
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
