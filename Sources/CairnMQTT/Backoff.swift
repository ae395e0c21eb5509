/// Reconnect delays: exponential growth with full jitter under a cap, so a
/// fleet that lost its broker together does not return in lock-step.
public struct Backoff {
    public let minimum: Double
    public let maximum: Double
    public private(set) var failures = 0

    public init(minimum: Double, maximum: Double) {
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
    }

    /// Delay in milliseconds before the next attempt; grows with each failure.
    public mutating func nextDelayMilliseconds() -> Int64 {
        let exponent = min(failures, 30)
        failures += 1
        var ceiling = minimum
        for _ in 0..<exponent where ceiling < maximum { ceiling *= 2 }
        ceiling = min(ceiling, maximum)
        // Full jitter, but never below a tenth of the minimum: no hot loop.
        let delay = Double.random(in: (minimum / 10)...max(minimum / 10, ceiling))
        return Int64(delay * 1000)
    }

    public mutating func reset() { failures = 0 }
}
