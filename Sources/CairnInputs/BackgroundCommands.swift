import CairnCore

/// Fire-and-forget programs (alarm actions): started at once, watched on each
/// `poll`, killed at their timeout, never waited for. A cap on how many run at
/// once keeps a flapping alarm from filling the process table.
///
/// Programs that share a key (one action of one alarm) run one after another,
/// in the order they were asked for: a `cleared` action never overtakes the
/// `raised` one still running. While one runs, only the latest request waits
/// behind it — a newer transition replaces an older waiting one, so the last
/// program to run is always the one for the alarm's current state.
public final class BackgroundCommands {
    public struct Finished: Equatable {
        public let label: String
        /// nil: the program waited behind another and then could not be
        /// started; `errorLine` says why.
        public let outcome: Subprocess.Outcome?
        public let errorLine: String?
    }

    struct Request {
        let key: String
        let label: String
        let arguments: [String]
        let environment: [String]
        let timeout: Int64
    }

    public let limit: Int
    private var running: [(key: String, label: String, process: Subprocess)] = []
    private var waiting: [Request] = []

    public init(limit: Int = 8) {
        self.limit = limit
    }

    /// Programs running or waiting for one with the same key.
    public var count: Int { running.count + waiting.count }

    /// Starts a program, or queues it behind the running one with the same key;
    /// returns why it could not be started, or nil.
    public func start(key: String, label: String, arguments: [String], environment: [String], timeout: Int64, nowMonotonic: Int64) -> String? {
        let request = Request(key: key, label: label, arguments: arguments, environment: environment, timeout: timeout)
        if running.contains(where: { $0.key == key }) {
            if let replaced = waiting.firstIndex(where: { $0.key == key }) {
                waiting[replaced] = request
            } else {
                waiting.append(request)
            }
            return nil
        }
        return launch(request, nowMonotonic: nowMonotonic)
    }

    private func launch(_ request: Request, nowMonotonic: Int64) -> String? {
        guard running.count < limit else { return "\(limit) actions are still running" }
        do {
            let process = try Subprocess(arguments: request.arguments, environment: request.environment,
                                         deadline: nowMonotonic + request.timeout)
            running.append((request.key, request.label, process))
            return nil
        } catch {
            return "cannot run \(request.arguments.first ?? ""): \(error.reason)"
        }
    }

    /// Collects the programs that finished (or were killed) since the last
    /// poll and starts those that waited for them. A waiting program that
    /// cannot start is reported with no outcome and the reason in `errorLine`.
    public func poll(nowMonotonic: Int64) -> [Finished] {
        var finished: [Finished] = []
        running.removeAll { entry in
            guard entry.process.poll(now: nowMonotonic), let outcome = entry.process.outcome else { return false }
            finished.append(Finished(label: entry.label, outcome: outcome, errorLine: entry.process.lastErrorLine))
            return true
        }
        // At most one waits per key, so starting one never holds up another that waited.
        let waited = waiting
        waiting = []
        for request in waited {
            if running.contains(where: { $0.key == request.key }) {
                waiting.append(request)
            } else if let problem = launch(request, nowMonotonic: nowMonotonic) {
                finished.append(Finished(label: request.label, outcome: nil, errorLine: problem))
            }
        }
        return finished
    }

    /// Kills everything still running and forgets what waited (agent shutdown).
    public func stop() {
        running.removeAll()
        waiting.removeAll()
    }
}
