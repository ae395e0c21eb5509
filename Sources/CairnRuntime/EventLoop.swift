import CSystem
import CairnCore

/// The agent's single thread: one poll() over a few file descriptors, with
/// timers folded into its timeout. Sources are asked each turn which
/// descriptor they want watched, because the MQTT socket changes on reconnect.
/// Every registration returns a `Handle`: a component cancels its own when it
/// goes away, so nothing it registered outlives it.
public final class EventLoop {
    /// One registration; `cancel` takes it out of the loop.
    public final class Handle {
        fileprivate(set) var cancelled = false
    }

    struct Source {
        let handle: Handle
        /// Descriptor and poll events wanted now, or nil to skip this turn.
        let request: () -> (fd: Int32, events: Int16)?
        /// Called with the returned events when the descriptor is ready.
        let ready: (Int16) -> Void
    }

    final class Timer {
        let handle = Handle()
        var due: Int64
        let period: Int64
        let action: () -> Void
        init(due: Int64, period: Int64, action: @escaping () -> Void) {
            self.due = due
            self.period = period
            self.action = action
        }
    }

    struct Hook<Action> {
        let handle: Handle
        let action: Action
    }

    private var sources: [Source] = []
    private var timers: [Timer] = []
    /// Extra deadlines (reconnect, keepalive) supplied by their owners.
    private var deadlines: [Hook<() -> Int64>] = []
    private var afterTurn: [Hook<(Int64) -> Void>] = []
    /// Cancelled registrations not yet swept out (they are skipped meanwhile).
    private var cancelledSinceSweep = 0
    public private(set) var stopped = false

    public init() {}

    @discardableResult
    public func watch(request: @escaping () -> (fd: Int32, events: Int16)?, ready: @escaping (Int16) -> Void) -> Handle {
        let handle = Handle()
        sources.append(Source(handle: handle, request: request, ready: ready))
        return handle
    }

    /// Runs action every period ms, first after `delay` ms.
    @discardableResult
    public func every(_ period: Int64, delay: Int64 = 0, _ action: @escaping () -> Void) -> Handle {
        let timer = Timer(due: Clock.monotonicMilliseconds() + delay, period: max(1, period), action: action)
        timers.append(timer)
        return timer.handle
    }

    @discardableResult
    public func deadline(_ next: @escaping () -> Int64) -> Handle {
        let handle = Handle()
        deadlines.append(Hook(handle: handle, action: next))
        return handle
    }

    /// Runs after every turn with the monotonic time at which it runs (read for each hook:
    /// the timers and hooks before it may have taken their time), for owners that keep
    /// their own state machine.
    @discardableResult
    public func afterEachTurn(_ action: @escaping (Int64) -> Void) -> Handle {
        let handle = Handle()
        afterTurn.append(Hook(handle: handle, action: action))
        return handle
    }

    /// Takes registrations out of the loop; safe from inside a callback (swept before the next turn).
    public func cancel(_ handles: [Handle]) {
        for handle in handles where !handle.cancelled {
            handle.cancelled = true
            cancelledSinceSweep += 1
        }
    }

    /// Registrations in force: descriptors watched, timers, deadlines, after-turn hooks.
    public var counts: (sources: Int, timers: Int, deadlines: Int, hooks: Int) {
        (sources.filter { !$0.handle.cancelled }.count, timers.filter { !$0.handle.cancelled }.count,
         deadlines.filter { !$0.handle.cancelled }.count, afterTurn.filter { !$0.handle.cancelled }.count)
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
        sweep()
        let now = Clock.monotonicMilliseconds()
        var wake = now + maxWait
        for timer in timers { wake = min(wake, timer.due) }
        for next in deadlines where !next.handle.cancelled { wake = min(wake, next.action()) }

        var fds: [pollfd] = []
        var owners: [Source] = []
        for source in sources {
            if let wanted = source.request() {
                fds.append(pollfd(fd: wanted.fd, events: wanted.events, revents: 0))
                owners.append(source)
            }
        }
        let timeout = Int32(max(0, min(wake - now, maxWait)))
        let count = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
        if count > 0 {
            for (slot, fd) in fds.enumerated() where fd.revents != 0 && !owners[slot].handle.cancelled {
                owners[slot].ready(fd.revents)
                if stopped { return }
            }
        }
        let after = Clock.monotonicMilliseconds()
        for timer in timers where timer.due <= after && !timer.handle.cancelled {
            // Skip missed periods instead of firing a burst after a stall.
            while timer.due <= after { timer.due += timer.period }
            timer.action()
            if stopped { return }
        }
        for hook in afterTurn where !hook.handle.cancelled { hook.action(Clock.monotonicMilliseconds()) }
    }

    /// Drops cancelled registrations (and what their closures hold).
    private func sweep() {
        guard cancelledSinceSweep > 0 else { return }
        cancelledSinceSweep = 0
        sources.removeAll { $0.handle.cancelled }
        timers.removeAll { $0.handle.cancelled }
        deadlines.removeAll { $0.handle.cancelled }
        afterTurn.removeAll { $0.handle.cancelled }
    }
}
