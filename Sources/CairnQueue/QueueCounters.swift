/// Why records left the queue without being delivered. Every one is counted,
/// per stream and reason, and the counts survive restarts: nothing disappears silently.
public enum LossReason: String, CaseIterable {
    /// Deleted to stay within the disk budget.
    case evicted
    /// Older than the stream's maximum age.
    case expired
    /// Thinned out of old telemetry to make room (overflow policy "downsample").
    case downsampled
    /// Could not be stored at all (disk full, I/O error).
    case rejected
    /// Removed by a technician with `cairn queue purge`.
    case purged
}

public struct LossCounters: Equatable {
    /// counts[stream.rawValue][reason index]
    public private(set) var counts: [[Int64]] = Array(repeating: Array(repeating: 0, count: LossReason.allCases.count), count: QueueStream.allCases.count)

    public init() {}

    static func index(_ reason: LossReason) -> Int {
        var i = 0
        for r in LossReason.allCases {
            if r == reason { return i }
            i += 1
        }
        return 0
    }

    public subscript(stream: QueueStream, reason: LossReason) -> Int64 {
        get { counts[Int(stream.rawValue)][LossCounters.index(reason)] }
        set { counts[Int(stream.rawValue)][LossCounters.index(reason)] = newValue }
    }

    public var total: Int64 {
        var sum: Int64 = 0
        for row in counts { for value in row { sum += value } }
        return sum
    }

    /// Non-zero entries, for status and events.
    public var entries: [(stream: QueueStream, reason: LossReason, count: Int64)] {
        var out: [(stream: QueueStream, reason: LossReason, count: Int64)] = []
        for stream in QueueStream.allCases {
            for reason in LossReason.allCases where self[stream, reason] != 0 {
                out.append((stream: stream, reason: reason, count: self[stream, reason]))
            }
        }
        return out
    }

    /// self − earlier, entry by entry.
    public func since(_ earlier: LossCounters) -> LossCounters {
        var delta = LossCounters()
        for stream in QueueStream.allCases {
            for reason in LossReason.allCases {
                delta[stream, reason] = self[stream, reason] - earlier[stream, reason]
            }
        }
        return delta
    }
}
