import CSystem
import CairnCore

/// The agent's single thread: one poll() over a few file descriptors, with
/// timers folded into its timeout. Sources are asked each turn which
/// descriptor they want watched, because the MQTT socket changes on reconnect.
public final class EventLoop {
    public struct Source {
        /// Descriptor and poll events wanted now, or nil to skip this turn.
        let request: () -> (fd: Int32, events: Int16)?
        /// Called with the returned events when the descriptor is ready.
        let ready: (Int16) -> Void
    }

    final class Timer {
        var due: Int64
        let period: Int64
        let action: () -> Void
        init(due: Int64, period: Int64, action: @escaping () -> Void) {
            self.due = due
            self.period = period
            self.action = action
        }
    }

    private var sources: [Source] = []
    private var timers: [Timer] = []
    /// Extra deadlines (reconnect, keepalive) supplied by their owners.
    private var deadlines: [() -> Int64] = []
    private var afterTurn: [(Int64) -> Void] = []
    public private(set) var stopped = false

    public init() {}

    public func watch(request: @escaping () -> (fd: Int32, events: Int16)?, ready: @escaping (Int16) -> Void) {
        sources.append(Source(request: request, ready: ready))
    }

    /// Runs action every period ms, first after `delay` ms.
    public func every(_ period: Int64, delay: Int64 = 0, _ action: @escaping () -> Void) {
        timers.append(Timer(due: Clock.monotonicMilliseconds() + delay, period: max(1, period), action: action))
    }

    public func deadline(_ next: @escaping () -> Int64) {
        deadlines.append(next)
    }

    /// Runs after every turn with the monotonic time, for owners that keep their own state machine.
    public func afterEachTurn(_ action: @escaping (Int64) -> Void) {
        afterTurn.append(action)
    }

    public func stop() { stopped = true }

    /// Drops every source, timer, deadline and after-turn action. Their closures
    /// capture their owners (the agent owns this loop), so an owner that is done
    /// with the loop calls this to break the cycle and be freed (and its SQLite,
    /// MQTT and HTTP handles closed by their deinits).
    public func removeAll() {
        sources = []
        timers = []
        deadlines = []
        afterTurn = []
    }

    public func run() {
        while !stopped { turn(maxWait: 1000) }
    }

    /// One poll() and the work it makes ready.
    public func turn(maxWait: Int64) {
        let now = Clock.monotonicMilliseconds()
        var wake = now + maxWait
        for timer in timers { wake = min(wake, timer.due) }
        for next in deadlines { wake = min(wake, next()) }

        var fds: [pollfd] = []
        var owners: [Int] = []
        for (index, source) in sources.enumerated() {
            if let wanted = source.request() {
                fds.append(pollfd(fd: wanted.fd, events: wanted.events, revents: 0))
                owners.append(index)
            }
        }
        let timeout = Int32(max(0, min(wake - now, maxWait)))
        let count = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
        if count > 0 {
            for (slot, fd) in fds.enumerated() where fd.revents != 0 {
                sources[owners[slot]].ready(fd.revents)
                if stopped { return }
            }
        }
        let after = Clock.monotonicMilliseconds()
        for timer in timers where timer.due <= after {
            // Skip missed periods instead of firing a burst after a stall.
            while timer.due <= after { timer.due += timer.period }
            timer.action()
            if stopped { return }
        }
        for action in afterTurn { action(after) }
    }
}
