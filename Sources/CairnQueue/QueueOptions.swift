/// How the queue stores and bounds what it holds.
public struct QueueOptions: Equatable {
    public enum Durability: String {
        /// WAL + synchronous=NORMAL: a process crash loses nothing committed; a
        /// power cut may lose the last transactions since the last checkpoint sync.
        case normal
        /// WAL + synchronous=FULL: every commit is on the medium before it returns.
        case full
    }

    public enum Overflow: String {
        /// Delete the oldest telemetry (then metadata, then events) to make room.
        case dropOldest = "drop_oldest"
        /// Thin the oldest telemetry to every other reading first, then drop.
        case downsample
    }

    public var path: String
    public var durability: Durability = .normal
    /// Bytes of live pages the queue may use (0: unbounded but for the disk).
    public var budgetBytes: Int64 = 64 * 1024 * 1024
    public var overflow: Overflow = .dropOldest
    /// Maximum age per stream in milliseconds (0: no limit); index = stream raw value.
    public var maxAge: [Int64] = [0, 0, 0]
    /// WAL pages after which SQLite checkpoints (fewer, larger writes on flash).
    public var checkpointPages: Int = 1000
    /// SQLite's page cache per connection, KiB.
    static let cacheKiB = 1024

    public init(path: String) {
        self.path = path
    }
}
