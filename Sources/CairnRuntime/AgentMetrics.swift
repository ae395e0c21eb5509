import CairnControl
import CairnCore
import CairnQueue
import CairnStatus
import CairnUplink

/// The agent's own counters, registered in its one `MetricRegistry` beside the
/// uplink's and the inputs' (each layer registers what it counts). Gauges are
/// state owned elsewhere (the queue, the clock, the loop): `sample` reads them
/// into the registry just before anything shows it.
struct AgentMetrics {
    let readingsTaken: MetricRegistry.Series
    let sensorFailures: MetricRegistry.Series
    let recordsStored: MetricRegistry.Series
    let recordsNotStored: MetricRegistry.Series
    let reloadsApplied: MetricRegistry.Series
    let reloadsRefused: MetricRegistry.Series

    init(_ metrics: MetricRegistry) {
        readingsTaken = metrics.counter("cairn_readings_taken_total", help: "Readings taken from inputs, before pipelines.")
        sensorFailures = metrics.counter("cairn_sensor_read_failures_total", help: "Sensor reads that failed.")
        recordsStored = metrics.counter("cairn_queue_records_stored_total", help: "Records (readings and events) committed to the queue.")
        recordsNotStored = metrics.counter("cairn_queue_records_not_stored_total", help: "Records that could not be stored (disk full, I/O error).")
        let reloads = metrics.family("cairn_config_reloads_total", help: "Configuration reloads (SIGHUP), by result.", kind: .counter, labels: ["result"])
        reloadsApplied = reloads.with(["applied"])
        reloadsRefused = reloads.with(["refused"])
        metrics.family("cairn_build_info", help: "The agent's version and architecture (always 1).", kind: .gauge,
                       labels: ["version", "arch"]).with([BuildInfo.version, BuildInfo.architecture]).set(1.0)
    }
}

extension Agent {
    /// Reads the state other parts own into the registry's gauges (and the queue
    /// file's loss totals into their counters): called before status, `/metrics` and health are shown.
    func sampleMetrics() {
        let m = metrics
        m.gauge("cairn_start_time_seconds", help: "When the agent started, seconds since the Unix epoch.").set(Double(status.startedAt) / 1000)
        m.gauge("cairn_uplink_connected", help: "1 while the broker connection is up.").set(uplink.isOnline ? 1.0 : 0.0)
        m.gauge("cairn_uplink_inflight_messages", help: "Messages published and not yet acknowledged.").set(Int64(uplink.inflightMessages))
        m.gauge("cairn_queue_records", help: "Records waiting in the queue.").set(queue.recordCount)
        m.gauge("cairn_queue_delivered_pending", help: "Records the broker acknowledged whose rows are not deleted yet.").set(queue.deliveredPending)
        m.gauge("cairn_queue_used_bytes", help: "Bytes the queue's records take.").set((try? queue.usedBytes()) ?? 0)
        m.gauge("cairn_queue_budget_bytes", help: "The queue's disk budget (0: none).").set(queue.budgetBytes ?? queue.options.budgetBytes)
        let lost = m.family("cairn_queue_lost_records_total", help: "Records that left the queue undelivered, by stream and reason (kept in the queue file).",
                            kind: .counter, labels: ["stream", "reason"])
        for entry in queue.losses.entries { lost.with([entry.stream.name, entry.reason.rawValue]).raise(to: entry.count) }
        let oldest = m.family("cairn_queue_oldest_unsent_age_seconds", help: "Age of the oldest unsent record, by stream (0: none waiting).",
                              kind: .gauge, labels: ["stream"])
        let wall = Clock.wallMilliseconds()
        for stream in QueueStream.allCases {
            let time = (try? queue.oldestTime(stream: stream)) ?? nil
            oldest.with([stream.name]).set(time.map { Double(max(0, wall - $0)) / 1000 } ?? 0)
        }
        m.gauge("cairn_clock_trusted", help: "1 once the wall clock is trusted.").set(clock.trusted ? 1.0 : 0.0)
        m.gauge("cairn_sensors_failing", help: "Sensors whose last read failed.").set(Int64(sensors.failingSensors.count))
        m.gauge("cairn_alarms_active", help: "Alarms raised now.").set(Int64(sensors.activeAlarms.count))
        m.counter("cairn_readings_rejected_total", help: "Readings dropped by range checks and spike filters.").raise(to: sensors.rejectedReadings)
        m.gauge("cairn_config_pushed_version", help: "The pushed configuration version in force (0: none).").set(push.inForceVersion)
        if let free = Files.freeBytes(config.agent.dataDirectory) {
            m.gauge("cairn_disk_free_bytes", help: "Free bytes on the data directory's file system.").set(free)
        }
        if let certificateExpiry {
            m.gauge("cairn_tls_certificate_expiry_seconds", help: "When the client certificate (cert_file) expires, seconds since the Unix epoch.")
                .set(Double(certificateExpiry) / 1000)
        }
        let values = m.family("cairn_sensor_value", help: "Each sensor's last value, in its unit.", kind: .gauge, labels: ["sensor", "unit"])
        for sensor in knownSensors.values where !sensor.id.isEmpty {
            if let last = history.points(sensor.id).last { values.with([sensor.id, sensor.unit]).set(last.value) }
        }
        let loopCounts = loop.counts
        let registrations = m.family("cairn_event_loop_registrations", help: "Registrations in the event loop, by kind.", kind: .gauge, labels: ["kind"])
        registrations.with(["sources"]).set(Int64(loopCounts.sources))
        registrations.with(["timers"]).set(Int64(loopCounts.timers))
        registrations.with(["deadlines"]).set(Int64(loopCounts.deadlines))
        registrations.with(["hooks"]).set(Int64(loopCounts.hooks))
    }
}
