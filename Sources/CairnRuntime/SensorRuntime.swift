import CSystem
import CairnControl
import CairnCore
import CairnInputs
import CairnPipeline

/// The sensor side of the agent on its event loop: inputs on their own
/// intervals or delivering by themselves, each sensor's pipeline, alarm rules
/// and their local actions. Nothing here blocks: commands and actions are
/// child processes collected on later calls, which is why `nextDeadline` asks
/// for a prompt return while any run. A new configuration is put in force in
/// two steps (`prepare`, `commit`, in SensorRuntime+Apply.swift).
public final class SensorRuntime {
    /// What one `poll` produced.
    public struct Output {
        /// Readings after their pipelines, to be queued.
        public var readings: [Reading] = []
        /// Alarm CloudEvents (`io.cairn.alarm.raised` / `.cleared`); `id` is left
        /// empty for the queue to assign, as for the agent's other events.
        public var events: [CloudEvent] = []
        /// Sensors that failed to read in this poll, and why.
        public var failures: [SensorFailure] = []
    }

    let loop: EventLoop
    let schedule = InputSchedule()
    /// Where inputs read and the links they share (the southbound client, HTTP sockets).
    var context: InputContext
    /// The configuration in force (nil before the first commit).
    var applied: Configuration?
    /// Each input's registrations with the loop, cancelled when it is removed.
    var registrations: [ObjectIdentifier: [EventLoop.Handle]] = [:]
    var pipelines = SensorPipelines()
    var rules = RuleSet()
    var actions: [String: [ActionSettings]] = [:]
    let background = BackgroundCommands()
    var eventSource = ""

    /// An empty runtime on `loop`; `prepare` and `commit` a configuration to start reading.
    /// `metrics`: the registry its inputs and links count into.
    public init(loop: EventLoop, listeners: HTTPListeners = HTTPListeners(), metrics: MetricRegistry = MetricRegistry()) {
        self.loop = loop
        context = InputContext(sysfsRoot: "", procRoot: "", dataDirectory: "", listeners: listeners, metrics: metrics)
        // The southbound client is looked up each turn: a rebuilt one needs no new registration.
        loop.watch(request: { [unowned(unsafe) self] in self.context.southbound?.pollRequest }, ready: { [unowned(unsafe) self] revents in
            self.context.southbound?.handle(revents: revents, now: Clock.monotonicMilliseconds())
        })
    }

    /// A runtime reading `config` at once (the first reads are due at `nowMonotonic`).
    public convenience init(config: Configuration, loop: EventLoop = EventLoop(), nowMonotonic: Int64 = Clock.monotonicMilliseconds()) {
        self.init(loop: loop)
        // Lenient: what cannot be opened now is reported and retried, never refused.
        guard let plan = try? prepare(config, strict: false, nowMonotonic: nowMonotonic) else { return }
        _ = commit(plan, nowWall: Clock.wallMilliseconds(), nowMonotonic: nowMonotonic)
    }

    var southbound: SouthboundClient? { context.southbound }

    /// Monotonic ms by which `poll` should next be called.
    public func nextDeadline(nowMonotonic: Int64) -> Int64 {
        let next = min(schedule.nextDeadline(nowMonotonic: nowMonotonic), southbound?.nextDeadline(now: nowMonotonic) ?? Int64.max)
        return background.count > 0 ? min(next, nowMonotonic + InputSchedule.commandPollInterval) : next
    }

    /// Reads what is due, runs readings through pipelines and rules, starts
    /// alarm actions, collects finished children. Cheap when nothing is due.
    public func poll(nowWall: Int64, nowMonotonic: Int64) -> Output {
        var output = Output()
        southbound?.tick(now: nowMonotonic)
        let input = schedule.poll(nowWall: nowWall, nowMonotonic: nowMonotonic)
        output.failures = input.failures
        var transitions: [AlarmTransition] = []
        for reading in input.readings {
            pipelines.process(reading) { out in
                output.readings.append(out)
                rules.evaluate(out) { transitions.append($0) }
            }
        }
        // Windows close and duration rules fire on time alone, not only on new readings.
        pipelines.tick(now: nowWall) { out in
            output.readings.append(out)
            rules.evaluate(out) { transitions.append($0) }
        }
        rules.tick(now: nowWall) { transitions.append($0) }
        take(transitions, into: &output, nowMonotonic: nowMonotonic)
        for done in background.poll(nowMonotonic: nowMonotonic) {
            switch done.outcome {
            case nil: Log.warning("alarm action \(done.label) not started: \(done.errorLine ?? "")")
            case .exited(0): Log.debug("action \(done.label) done")
            case .exited(let code): Log.warning("action \(done.label) exited with status \(code)\(done.errorLine.map { ": \($0)" } ?? "")")
            case .signalled(let signal): Log.warning("action \(done.label) killed by signal \(signal)")
            case .timedOut: Log.warning("action \(done.label) timed out and was killed")
            case .outputTooLarge: Log.warning("action \(done.label) wrote too much output and was killed")
            }
        }
        return output
    }

    /// Alarm transitions become events and run their rule's actions.
    func take(_ transitions: [AlarmTransition], into output: inout Output, nowMonotonic: Int64) {
        for transition in transitions {
            output.events.append(transition.event(source: eventSource, id: ""))
            Log.info("alarm \(transition.rule.name) \(transition.raised ? "raised" : "cleared") on \(transition.sensor) at \(Numbers.format(transition.value))\(transition.reason.map { " (\($0))" } ?? "")")
            runActions(for: transition, nowMonotonic: nowMonotonic)
        }
    }

    /// Per-sensor health as a JSON array, for the status document.
    public var healthJSON: String { schedule.health.json() }

    /// Sensors whose last read failed (until a good read).
    public var failingSensors: [String] { schedule.health.failing.map { $0.sensor } }

    /// Alarms currently raised, as "rule sensor".
    public var activeAlarms: [String] { rules.active.map { "\($0.rule) \($0.sensor)" } }

    /// Readings dropped as out of range or spikes since start.
    public var rejectedReadings: Int64 { pipelines.rejected }

    /// Kills commands and actions still running, closes links and sockets (agent shutdown).
    public func stop() {
        schedule.stop()
        background.stop()
        southbound?.stop()
    }
}
