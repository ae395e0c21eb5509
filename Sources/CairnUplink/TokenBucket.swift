/// A bandwidth cap for metered links: bytes per second with a one-second burst.
struct TokenBucket {
    let bytesPerSecond: Int64
    private var tokens: Int64
    private var updated: Int64 = 0

    init(bytesPerSecond: Int64) {
        self.bytesPerSecond = bytesPerSecond
        tokens = bytesPerSecond
    }

    var unlimited: Bool { bytesPerSecond <= 0 }

    private mutating func refill(now: Int64) {
        guard !unlimited else { return }
        if updated == 0 { updated = now }
        tokens = min(bytesPerSecond, tokens + (now - updated) * bytesPerSecond / 1000)
        updated = now
    }

    /// Whether a message of `bytes` may go now (a message larger than the burst
    /// goes when the bucket is full, so it is never stuck).
    mutating func allows(_ bytes: Int, now: Int64) -> Bool {
        refill(now: now)
        return unlimited || tokens >= min(Int64(bytes), bytesPerSecond)
    }

    mutating func spend(_ bytes: Int, now: Int64) {
        guard !unlimited else { return }
        refill(now: now)
        tokens -= Int64(bytes)
    }

    /// When enough tokens for `bytes` will have accumulated.
    mutating func readyAt(_ bytes: Int, now: Int64) -> Int64 {
        refill(now: now)
        guard !unlimited else { return now }
        let missing = min(Int64(bytes), bytesPerSecond) - tokens
        return missing <= 0 ? now : now + (missing * 1000 + bytesPerSecond - 1) / bytesPerSecond
    }
}
