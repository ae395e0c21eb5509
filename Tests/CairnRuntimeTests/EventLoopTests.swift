import Foundation
import Testing
import CairnCore
import CairnRuntime

/// The loop's closures capture their owners, and the agent owns its loop: a cycle
/// that only removeAll() breaks (LeakSanitizer found the agent never freed).
@Suite struct EventLoopTests {
    final class Owner { var calls = 0 }

    @Test func removeAllReleasesWhatTheClosuresCaptured() {
        let loop = EventLoop()
        weak var released: Owner?
        do {
            let owner = Owner()
            released = owner
            loop.watch(request: { owner.calls += 1; return nil }, ready: { _ in owner.calls += 1 })
            loop.every(1) { owner.calls += 1 }
            loop.deadline { owner.calls += 1; return Int64.max }
            loop.afterEachTurn { _ in owner.calls += 1 }
            loop.turn(maxWait: 5)
            #expect(owner.calls >= 3)
        }
        #expect(released != nil, "the loop's closures keep their owner alive")
        loop.removeAll()
        #expect(released == nil, "removeAll() dropped the last references")
        loop.turn(maxWait: 0)   // an empty loop still turns
    }

    /// Each after-turn hook is handed the time at which it runs, not one read before the
    /// turn's timers and the hooks ahead of it (a stale time scheduled an input read from
    /// a time already past: the same readings stored twice).
    @Test func eachHookGetsTheTimeAtWhichItRuns() {
        let loop = EventLoop()
        var stalledUntil: Int64 = 0
        var handed: [Int64] = []
        loop.every(1) {
            usleep(30_000)   // a timer that takes its time: the stall under test, not a wait
            stalledUntil = Clock.monotonicMilliseconds()
        }
        // Both hooks look at the first turn in which the timer fired.
        loop.afterEachTurn { now in
            guard stalledUntil > 0 && handed.isEmpty else { return }
            handed.append(now)
            usleep(20_000)   // a hook that takes its time before the next one
        }
        loop.afterEachTurn { now in if handed.count == 1 { handed.append(now) } }
        for _ in 0..<200 where handed.count < 2 { loop.turn(maxWait: 5) }
        #expect(stalledUntil > 0)
        #expect(handed.count == 2)
        guard handed.count == 2 else { return }
        #expect(handed[0] >= stalledUntil, "the first hook ran after the timer's stall")
        #expect(handed[1] >= handed[0] + 20, "the second hook ran after the first one's")
    }
}
