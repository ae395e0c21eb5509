import CairnControl
import CairnCore
import CairnInputs
import CairnPipeline

/// The sensor side of the agent on its event loop: inputs on their own
/// intervals, each sensor's pipeline, alarm rules and their local actions.
/// Nothing here blocks: commands and actions are child processes collected on
/// later calls, which is why `nextDeadline` asks for a prompt return while any run.
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

    private let schedule: InputSchedule
    /// The southbound broker and HTTP endpoints: readings that arrive by themselves.
    let push: PushInputs
    private var pipelines: SensorPipelines
    private var rules: RuleSet
    private let actions: [String: [ActionSettings]]
    private let background = BackgroundCommands()
    private let eventSource: String

    public init(settings: SensorSettings, config: AgentConfig, nowMonotonic: Int64 = Clock.monotonicMilliseconds()) {
        let defaultInterval = Int64(config.interval * 1000)
        schedule = InputSchedule(settings.inputs.compactMap { input in
            SensorRuntime.source(input, config).map { source in
                InputSchedule.Entry(source: source, interval: input.interval.map { Int64($0 * 1000) } ?? defaultInterval,
                                    accept: SensorRuntime.selection(include: input.include, exclude: input.exclude))
            }
        }, nowMonotonic: nowMonotonic)
        push = PushInputs(settings: settings, config: config)
        pipelines = SensorPipelines(settings.pipelines.map { pipeline in
            SensorPipelines.Declaration(pattern: SensorPattern(pipeline.match), stages: pipeline.stages.map(SensorRuntime.stage))
        })
        rules = RuleSet(settings.rules.map(SensorRuntime.rule))
        var actions: [String: [ActionSettings]] = [:]
        for rule in settings.rules where !rule.actions.isEmpty { actions[rule.name] = rule.actions }
        self.actions = actions
        eventSource = config.topicPrefix
    }

    /// Monotonic ms by which `poll` should next be called.
    public func nextDeadline(nowMonotonic: Int64) -> Int64 {
        let next = min(schedule.nextDeadline(nowMonotonic: nowMonotonic), push.nextDeadline(nowMonotonic: nowMonotonic))
        return background.count > 0 ? min(next, nowMonotonic + InputSchedule.commandPollInterval) : next
    }

    /// Reads what is due, runs readings through pipelines and rules, starts
    /// alarm actions, collects finished children. Cheap when nothing is due.
    public func poll(nowWall: Int64, nowMonotonic: Int64) -> Output {
        var output = Output()
        push.tick(nowMonotonic: nowMonotonic)
        var input = schedule.poll(nowWall: nowWall, nowMonotonic: nowMonotonic)
        let delivered = push.take(nowMonotonic: nowMonotonic)
        if !delivered.readings.isEmpty || !delivered.failures.isEmpty {
            schedule.record(delivered, nowWall: nowWall)
            input.readings += delivered.readings
            input.failures += delivered.failures
        }
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
        for transition in transitions {
            output.events.append(transition.event(source: eventSource, id: ""))
            Log.info("alarm \(transition.rule.name) \(transition.raised ? "raised" : "cleared") on \(transition.sensor) at \(Numbers.format(transition.value))")
            runActions(for: transition, nowMonotonic: nowMonotonic)
        }
        for done in background.poll(nowMonotonic: nowMonotonic) {
            switch done.outcome {
            case .exited(0): Log.debug("action \(done.label) done")
            case .exited(let code): Log.warning("action \(done.label) exited with status \(code)\(done.errorLine.map { ": \($0)" } ?? "")")
            case .signalled(let signal): Log.warning("action \(done.label) killed by signal \(signal)")
            case .timedOut: Log.warning("action \(done.label) timed out and was killed")
            case .outputTooLarge: Log.warning("action \(done.label) wrote too much output and was killed")
            }
        }
        return output
    }

    /// Per-sensor health as a JSON array, for the status document.
    public var healthJSON: String { schedule.health.json() }

    /// Sensors whose last read failed (until a good read).
    public var failingSensors: [String] { schedule.health.failing.map { $0.sensor } }

    /// Alarms currently raised, as "rule sensor".
    public var activeAlarms: [String] { rules.active.map { "\($0.rule) \($0.sensor)" } }

    /// Readings dropped as out of range or spikes since start.
    public var rejectedReadings: Int64 { pipelines.rejected }

    /// Kills commands and actions still running (agent shutdown).
    public func stop() {
        schedule.stop()
        background.stop()
        push.stop()
    }

    private func runActions(for transition: AlarmTransition, nowMonotonic: Int64) {
        for action in actions[transition.rule.name] ?? [] {
            let wanted = action.on == .both || (action.on == .raised) == transition.raised
            guard wanted else { continue }
            let rule = transition.rule
            if action.kind == .publish {
                publish(action, for: transition)
                continue
            }
            let environment = [
                "CAIRN_ALARM_RULE=\(rule.name)", "CAIRN_ALARM_SENSOR=\(transition.sensor)",
                "CAIRN_ALARM_STATE=\(transition.raised ? "raised" : "cleared")",
                "CAIRN_ALARM_VALUE=\(Numbers.format(transition.value))",
                "CAIRN_ALARM_THRESHOLD=\(Numbers.format(rule.threshold))", "CAIRN_ALARM_SEVERITY=\(rule.severity)",
            ]
            if let problem = background.start(label: "\(rule.name)/\(transition.raised ? "raised" : "cleared")", arguments: action.run,
                                              environment: environment, timeout: Int64(action.timeout * 1000), nowMonotonic: nowMonotonic) {
                Log.warning("alarm \(rule.name) action not started: \(problem)")
            }
        }
    }

    /// A publish action on the southbound broker: the payload template filled
    /// in, or the alarm as a JSON object. Queued for the reconnect when the broker is away.
    private func publish(_ action: ActionSettings, for transition: AlarmTransition) {
        guard let southbound = push.southbound else { return }
        let rule = transition.rule
        let state = transition.raised ? "raised" : "cleared"
        let payload: String
        if let template = action.payload {
            let values = [
                "rule": rule.name, "sensor": transition.sensor, "state": state, "value": Numbers.format(transition.value),
                "threshold": Numbers.format(rule.threshold), "severity": rule.severity,
            ]
            payload = Text.fill(template) { values[String($0)] }
        } else {
            var w = JSONWriter()
            w.beginObject()
            w.key("rule"); w.string(rule.name)
            w.key("sensor"); w.string(transition.sensor)
            w.key("state"); w.string(state)
            w.key("value"); w.number(transition.value)
            w.key("threshold"); w.number(rule.threshold)
            w.key("severity"); w.string(rule.severity)
            w.key("time"); w.string(Clock.rfc3339(transition.time))
            w.endObject()
            payload = w.text
        }
        southbound.publish(topic: action.topic, payload: Array(payload.utf8), qos: Int32(action.qos), retain: action.retain)
        Log.info("alarm \(rule.name) \(state): published to \(action.topic)")
    }

    // MARK: settings → the pipeline and input types

    /// The polled source of an input; nil for inputs that deliver by themselves (mqtt, http).
    static func source(_ input: InputSettings, _ config: AgentConfig) -> InputSource? {
        switch input.kind {
        case .mqtt, .http: return nil
        case .hwmon: return .hwmon(HwmonInput(sysfsRoot: config.sysfsRoot))
        case .thermal: return .thermal(ThermalInput(sysfsRoot: config.sysfsRoot))
        case .health: return .health(HealthInput(procRoot: config.procRoot, dataDirectory: config.dataDirectory))
        case .iio: return .iio(IIOInput(sysfsRoot: config.sysfsRoot))
        case .w1: return .w1(W1Input(sysfsRoot: config.sysfsRoot))
        case .file: return .file(FileInput(name: input.name, path: input.path, unit: input.unit))
        case .command: return .command(CommandInput(name: input.name, arguments: input.run, timeout: Int64(input.timeout * 1000), unit: input.unit))
        }
    }

    static func selection(include: [String], exclude: [String]) -> ((String) -> Bool)? {
        guard !include.isEmpty || !exclude.isEmpty else { return nil }
        let keep = include.map(SensorPattern.init), drop = exclude.map(SensorPattern.init)
        return { sensor in
            (keep.isEmpty || keep.contains { $0.matches(sensor) }) && !drop.contains { $0.matches(sensor) }
        }
    }

    static func stage(_ settings: StageSettings) -> PipelineStage {
        switch settings {
        case .scale(let factor, let offset):
            return .scale(ScaleOffset(factor: factor, offset: offset))
        case .range(let minimum, let maximum, let action):
            let onOutside: RangeCheck.Action = action == "clamp" ? .clamp : action == "flag" ? .flag : .drop
            return .range(RangeCheck(minimum: minimum ?? -.infinity, maximum: maximum ?? .infinity, action: onOutside))
        case .deadband(let absolute, let percent, let heartbeat):
            return .deadband(Deadband(absolute: absolute, percent: percent, heartbeat: Int64(heartbeat * 1000)))
        case .rateLimit(let period):
            return .rateLimit(RateLimit(period: Int64(period * 1000)))
        case .window(let length, let names):
            var functions: AggregateFunctions = []
            for name in names { if let f = AggregateFunctions.named(name) { functions.insert(f) } }
            return .window(WindowAggregate(length: Int64(length * 1000), functions: functions))
        case .spike(let maxRate, let confirmations):
            return .spike(SpikeFilter(maxRate: maxRate, confirmations: confirmations))
        }
    }

    static func rule(_ settings: RuleSettings) -> AlarmRule {
        AlarmRule(name: settings.name, pattern: SensorPattern(settings.match), direction: settings.above ? .above : .below,
                  threshold: settings.threshold, clear: settings.clear, minimumDuration: Int64(settings.duration * 1000),
                  severity: settings.severity)
    }
}
