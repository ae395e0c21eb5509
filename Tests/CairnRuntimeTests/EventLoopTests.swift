import Testing
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
}
