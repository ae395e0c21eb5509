import CairnCore

/// Fire-and-forget programs (alarm actions): started at once, watched on each
/// `poll`, killed at their timeout, never waited for. A cap on how many run at
/// once keeps a flapping alarm from filling the process table.
public final class BackgroundCommands {
    public struct Finished: Equatable {
        public let label: String
        public let outcome: Subprocess.Outcome
        public let errorLine: String?
    }

    public let limit: Int
    private var running: [(label: String, process: Subprocess)] = []

    public init(limit: Int = 8) {
        self.limit = limit
    }

    public var count: Int { running.count }

    /// Starts a program; returns why it could not be started, or nil.
    public func start(label: String, arguments: [String], environment: [String], timeout: Int64, nowMonotonic: Int64) -> String? {
        guard running.count < limit else { return "\(limit) actions are still running" }
        do {
            let process = try Subprocess(arguments: arguments, environment: environment, deadline: nowMonotonic + timeout)
            running.append((label, process))
            return nil
        } catch {
            return "cannot run \(arguments.first ?? ""): \(error.reason)"
        }
    }

    /// Collects the programs that finished (or were killed) since the last poll.
    public func poll(nowMonotonic: Int64) -> [Finished] {
        var finished: [Finished] = []
        running.removeAll { entry in
            guard entry.process.poll(now: nowMonotonic), let outcome = entry.process.outcome else { return false }
            finished.append(Finished(label: entry.label, outcome: outcome, errorLine: entry.process.lastErrorLine))
            return true
        }
        return finished
    }

    /// Kills everything still running (agent shutdown).
    public func stop() {
        running.removeAll()
    }
}
