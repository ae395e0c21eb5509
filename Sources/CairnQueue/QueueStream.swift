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

    public init?(name: String) {
        for stream in QueueStream.allCases where stream.name == name {
            self = stream
            return
        }
        return nil
    }
}

/// A record as stored: its device-wide sequence number, stream, wall time and JSON body.
public struct QueuedRecord: Equatable {
    public let sequence: Int64
    public let stream: QueueStream
    public let time: Int64
    public let body: String

    public init(sequence: Int64, stream: QueueStream, time: Int64, body: String) {
        self.sequence = sequence
        self.stream = stream
        self.time = time
        self.body = body
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
