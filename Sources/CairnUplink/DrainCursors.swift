/// Where the current session has got to in each part of the queue. Reset on
/// every connect, so a new session starts from the oldest unacknowledged record.
struct DrainCursors {
    /// Telemetry from this sequence on is live; below it is backlog.
    var liveFrom: Int64
    var events: Int64 = 0
    var metadata: Int64 = 0
    var live: Int64 = 0
    var backlog: Int64 = 0
    /// The queue's upcoming sequence when events / metadata / live telemetry
    /// were last found empty (-1: not known to be empty).
    var eventsEmptyAt: Int64 = -1
    var metadataEmptyAt: Int64 = -1
    var liveEmptyAt: Int64 = -1
    /// Everything below liveFrom has been handed out (it cannot grow in a session).
    var backlogDone = false

    mutating func forgetEmpty() {
        eventsEmptyAt = -1
        metadataEmptyAt = -1
        liveEmptyAt = -1
        backlogDone = false
    }

    init(liveFrom: Int64 = 1) {
        self.liveFrom = liveFrom
    }
}

/// Paces backlog messages to at most `perSecond` (0: unpaced), so a long
/// backlog drains behind live data without saturating a slow link.
struct Pacer {
    let perSecond: Double
    private(set) var nextAllowed: Int64 = 0

    init(perSecond: Double) {
        self.perSecond = perSecond
    }

    func allows(now: Int64) -> Bool {
        perSecond <= 0 || now >= nextAllowed
    }

    mutating func spend(now: Int64) {
        guard perSecond > 0 else { return }
        nextAllowed = max(nextAllowed, now) + Int64(1000 / perSecond)
    }
}
