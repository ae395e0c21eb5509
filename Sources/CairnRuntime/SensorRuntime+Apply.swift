import CSystem
import CairnControl
import CairnCore
import CairnInputs
import CairnMQTT
import CairnPipeline

/// A sensor configuration built and opened but not in force: what `commit`
/// swaps in, or `discard` throws away with nothing running touched.
public final class SensorPlan {
    let config: Configuration
    let context: InputContext
    /// The new input list: entries kept from the running list, and fresh ones.
    let entries: [ScheduledInput]
    /// Entries built for this plan (stopped if it is discarded).
    let fresh: [ScheduledInput]
    /// Kept entries whose interval changes, with the new one.
    let rescheduled: [(entry: ScheduledInput, interval: Int64?)]
    let southboundRebuilt: Bool
    /// Components built anew, for the `config.applied` event.
    public internal(set) var rebuilt: [String]

    init(config: Configuration, context: InputContext, entries: [ScheduledInput], fresh: [ScheduledInput],
         rescheduled: [(entry: ScheduledInput, interval: Int64?)], southboundRebuilt: Bool, rebuilt: [String]) {
        self.config = config
        self.context = context
        self.entries = entries
        self.fresh = fresh
        self.rescheduled = rescheduled
        self.southboundRebuilt = southboundRebuilt
        self.rebuilt = rebuilt
    }

    /// Releases what was opened for the plan (ports, nothing else is held yet).
    public func discard() {
        for entry in fresh { entry.input.stop() }
    }
}

extension SensorRuntime {
    /// Builds what `config` changes, next to what runs: inputs whose settings
    /// changed (or are new) are made and opened, the southbound client is made
    /// anew when its broker or its set of mqtt inputs changed. Nothing in force
    /// is touched. `strict`: an input that cannot be opened (a port in use)
    /// refuses the whole plan.
    public func prepare(_ config: Configuration, strict: Bool, nowMonotonic: Int64) throws(InputError) -> SensorPlan {
        var rebuilt: [String] = []
        let wantsLink = config.southboundUse != nil ? config.southbound.link : nil
        let mqtt = { (c: Configuration) in c.inputs.filter { $0.type == MQTTInput.typeName } }
        let southboundRebuilt = applied.map { old in
            (old.southboundUse != nil) != (config.southboundUse != nil) || old.southbound != config.southbound || mqtt(old) != mqtt(config)
        } ?? (wantsLink != nil)
        var next = InputContext(sysfsRoot: config.agent.sysfsRoot, procRoot: config.agent.procRoot,
                                dataDirectory: config.agent.dataDirectory, southbound: context.southbound, listeners: context.listeners,
                                metrics: context.metrics)
        if southboundRebuilt {
            next.southbound = wantsLink.map { SouthboundClient(settings: $0, metrics: context.metrics) }
            rebuilt.append("southbound")
        }
        let sameRoots = applied != nil && context.sameRoots(as: next)
        var available = schedule.entries
        var entries: [ScheduledInput] = []
        var fresh: [ScheduledInput] = []
        var rescheduled: [(entry: ScheduledInput, interval: Int64?)] = []
        for (index, settings) in config.inputs.enumerated() {
            let pushed = InputRegistry.type(named: settings.type)?.pushed ?? false
            let interval: Int64? = pushed ? nil : Int64((settings.interval ?? config.agent.interval) * 1000)
            if sameRoots, let slot = available.firstIndex(where: { $0.settings.sameSource(as: settings) }) {
                let kept = available.remove(at: slot)
                if kept.interval != interval.map({ max(1, $0) }) {
                    rescheduled.append((kept, interval))
                    rebuilt.append("interval:\(settings.label)")
                }
                entries.append(kept)
                continue
            }
            let input = settings.makeInput(next)
            do {
                try input.open(strict: strict)
            } catch {
                input.stop()
                for entry in fresh { entry.input.stop() }
                var located = error
                located.inputIndex = index
                throw located
            }
            let entry = ScheduledInput(input, settings: settings, interval: interval, nowMonotonic: nowMonotonic)
            entries.append(entry)
            fresh.append(entry)
            rebuilt.append("input:\(settings.label)")
        }
        for removed in available { rebuilt.append("input:\(removed.settings.label)") }
        return SensorPlan(config: config, context: next, entries: entries, fresh: fresh, rescheduled: rescheduled,
                          southboundRebuilt: southboundRebuilt, rebuilt: rebuilt)
    }

    /// Puts a prepared plan in force; cannot fail. Removed inputs stop and
    /// leave the loop; kept ones keep their schedule, health and state. Each
    /// sensor whose chain is declared the same keeps its pipeline state; an
    /// alarm raised under a rule that was removed or changed is cleared, and
    /// the returned events say so. `plan.rebuilt` gains the pipelines and rules changed.
    public func commit(_ plan: SensorPlan, nowWall: Int64, nowMonotonic: Int64) -> Output {
        let keep = Set(plan.entries.map { ObjectIdentifier($0) })
        for old in schedule.entries where !keep.contains(ObjectIdentifier(old)) {
            old.input.stop()
            loop.cancel(registrations.removeValue(forKey: ObjectIdentifier(old)) ?? [])
        }
        if plan.southboundRebuilt, let old = context.southbound {
            plan.context.southbound?.adoptPendingActions(from: old)
            old.stop()
        }
        for (entry, interval) in plan.rescheduled { entry.reschedule(interval: interval) }
        let fresh = Set(plan.fresh.map { ObjectIdentifier($0) })
        for entry in plan.entries {
            if fresh.contains(ObjectIdentifier(entry)) {
                entry.input.start(plan.context)
                registrations[ObjectIdentifier(entry)] = [loop.watch(request: { entry.input.pollRequest }, ready: { revents in
                    entry.input.handle(revents: revents, nowMonotonic: Clock.monotonicMilliseconds())
                })]
            } else if plan.southboundRebuilt {
                // Kept mqtt inputs move to the new client.
                entry.input.start(plan.context)
            }
        }
        schedule.replace(with: plan.entries)
        context = plan.context

        plan.rebuilt += pipelines.reconfigure(plan.config.pipelines.map { $0.declaration }).map { "pipeline:\($0)" }
        var cleared: [AlarmTransition] = []
        plan.rebuilt += rules.reconfigure(plan.config.rules.map { $0.rule }, now: nowWall) { cleared.append($0) }.map { "rule:\($0)" }
        var output = Output()
        // Cleared under the old rule: its own actions run (a fan set to max goes back).
        take(cleared, into: &output, nowMonotonic: nowMonotonic)
        actions = [:]
        for rule in plan.config.rules where !rule.actions.isEmpty { actions[rule.name] = rule.actions }
        eventSource = plan.config.agent.topicPrefix
        applied = plan.config
        // An input replaced by one of the same name is listed once.
        var seen = Set<String>()
        plan.rebuilt = plan.rebuilt.filter { seen.insert($0).inserted }
        return output
    }

    /// Counters and problems of the inputs and the southbound client, for the status document.
    public var inputReport: InputReport { schedule.report }
}
