/// When a record was taken, in every form the agent can later reconcile:
/// wall time, monotonic time and the boot they belong to.
public struct RecordStamp: Equatable {
    public var wall: Int64
    public var monotonic: Int64
    /// nil for a time that is on no boot's clock of this agent (a device's own):
    /// no correction of the agent's clock applies to it.
    public var bootID: String?
    /// Whether the wall clock was trusted when the record was taken.
    public var trusted: Bool

    public init(wall: Int64, monotonic: Int64, bootID: String?, trusted: Bool) {
        self.wall = wall
        self.monotonic = monotonic
        self.bootID = bootID
        self.trusted = trusted
    }
}

/// Decides whether the wall clock can be believed. Gateways without an RTC
/// boot at 1970 or at a stale time until NTP syncs: the clock is trusted once
/// it is past a plausible floor and, when configured, once the NTP daemon's
/// "synchronized" file exists. A step of the clock (NTP correcting a stale
/// time) also counts as the moment of truth for records taken in this boot.
public struct ClockTracker {
    /// 2026-01-01T00:00:00Z: no real reading can be older than this build.
    public static let plausibleFloor: Int64 = 1_767_225_600_000
    /// A change of wall − monotonic larger than this is a clock step, not drift.
    public static let stepThreshold: Int64 = 60_000

    public enum Change: Equatable {
        /// The clock became trustworthy, or stepped; records of this boot should
        /// be re-stamped as monotonic + offset.
        case corrected(offset: Int64, step: Int64)
    }

    public let bootID: String
    public let syncFile: String?
    public private(set) var trusted: Bool
    private var offset: Int64

    public init(bootID: String, syncFile: String?, wall: Int64, monotonic: Int64, syncFileExists: Bool) {
        self.bootID = bootID
        self.syncFile = syncFile
        self.offset = wall - monotonic
        self.trusted = ClockTracker.believable(wall: wall, syncFile: syncFile, syncFileExists: syncFileExists)
    }

    static func believable(wall: Int64, syncFile: String?, syncFileExists: Bool) -> Bool {
        wall >= plausibleFloor && (syncFile == nil || syncFileExists)
    }

    /// Looks at the clock again; reports when records need correcting.
    public mutating func observe(wall: Int64, monotonic: Int64, syncFileExists: Bool) -> Change? {
        let newOffset = wall - monotonic
        let step = newOffset - offset
        offset = newOffset
        let nowTrusted = ClockTracker.believable(wall: wall, syncFile: syncFile, syncFileExists: syncFileExists)
        defer { trusted = nowTrusted }
        if nowTrusted && (!trusted || step.magnitude > ClockTracker.stepThreshold) {
            return .corrected(offset: newOffset, step: step)
        }
        return nil
    }

    public func stamp(wall: Int64, monotonic: Int64) -> RecordStamp {
        RecordStamp(wall: wall, monotonic: monotonic, bootID: bootID, trusted: trusted)
    }

    /// This boot's id from the kernel, or "" where there is none.
    public static func currentBootID(procRoot: String = "/proc") -> String {
        Files.readValue("\(procRoot)/sys/kernel/random/boot_id") ?? ""
    }
}
