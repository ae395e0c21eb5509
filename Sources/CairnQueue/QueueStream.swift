import CairnCore

/// The kinds of record the queue holds, in drain priority order:
/// events (alarms) before metadata before telemetry.
public enum QueueStream: Int64, CaseIterable {
    case events = 0
    case metadata = 1
    case telemetry = 2

    public var name: String {
        switch self {
        case .events: return "events"
        case .metadata: return "metadata"
        case .telemetry: return "telemetry"
        }
    }

    /// The SQL condition selecting this stream's rows. Events and metadata carry the
    /// partial index's own condition (`stream < 2`, QueueSchema.version4) word for word,
    /// which is how SQLite knows the index holds them; telemetry goes by `seq`.
    var sql: String {
        self == .telemetry ? "stream = \(rawValue)" : "stream = \(rawValue) AND stream < 2"
    }

    public init?(name: String) {
        for stream in QueueStream.allCases where stream.name == name {
            self = stream
            return
        }
        return nil
    }
}

/// A record to append: its stream, when it was taken, and its JSON body fragment.
public struct PendingRecord {
    public let stream: QueueStream
    public let stamp: RecordStamp
    public let fragment: String

    public init(stream: QueueStream, stamp: RecordStamp, fragment: String) {
        self.stream = stream
        self.stamp = stamp
        self.fragment = fragment
    }

    /// A telemetry record for a reading: the read's stamp, with the reading's own wall time.
    /// A time from the agent's clock, perhaps moved (a window's start), gets the
    /// monotonic time that goes with it, so that a correction (monotonic + offset)
    /// moves it by exactly the clock's step. A time from the device's own clock
    /// is not the agent's to correct: it belongs to no boot and counts as trusted.
    public init(telemetry reading: Reading, stamp: RecordStamp) {
        var own = stamp
        own.wall = reading.time
        if reading.deviceClock {
            own.bootID = nil
            own.trusted = true
        } else {
            own.monotonic = stamp.monotonic + (reading.time - stamp.wall)
        }
        self.init(stream: .telemetry, stamp: own, fragment: reading.fragment)
    }
}

/// A record as stored: its device-wide sequence number, stream, stamp and body fragment.
/// A queued record as SQLite holds it while it is read (`DurableQueue.read`): the
/// fragment's bytes are valid only inside the callback that receives the row.
public struct QueuedRow {
    public let sequence: Int64
    public let time: Int64
    public let monotonic: Int64
    public let bootID: String
    public let trusted: Bool
    public let fragment: UnsafeBufferPointer<UInt8>

    public init(sequence: Int64, time: Int64, monotonic: Int64, bootID: String, trusted: Bool, fragment: UnsafeBufferPointer<UInt8>) {
        self.sequence = sequence
        self.time = time
        self.monotonic = monotonic
        self.bootID = bootID
        self.trusted = trusted
        self.fragment = fragment
    }
}

public struct QueuedRecord: Equatable {
    public let sequence: Int64
    public let stream: QueueStream
    /// Wall time (ms since the epoch); corrected in place when the clock is.
    public let time: Int64
    public let monotonic: Int64
    public let bootID: String
    /// False when the clock was not trusted and the time could not be corrected (yet).
    public let trusted: Bool
    /// The JSON object members, without braces, seq or time.
    public let fragment: String

    public init(sequence: Int64, stream: QueueStream, time: Int64, monotonic: Int64 = 0,
                bootID: String = "", trusted: Bool = true, fragment: String) {
        self.sequence = sequence
        self.stream = stream
        self.time = time
        self.monotonic = monotonic
        self.bootID = bootID
        self.trusted = trusted
        self.fragment = fragment
    }
}

/// A queue operation that failed, with the SQLite cause.
public struct QueueError: Error, CustomStringConvertible {
    public let operation: String
    public let cause: SQLiteError

    public init(_ operation: String, _ cause: SQLiteError) {
        self.operation = operation
        self.cause = cause
    }

    public var description: String { "queue \(operation): \(cause)" }
}
