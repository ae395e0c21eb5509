import CairnCore

/// Tumbling-window aggregates: readings are grouped into windows of `length`
/// ms aligned to the epoch (a 60 s window runs from hh:mm:00 to hh:mm+1:00
/// on every gateway alike), and when a window closes one reading per function
/// comes out, named `<sensor>/<function>` (e.g. `hwmon/nct6775/temp1/mean`)
/// and stamped with the window's start. A window closes when a reading of a
/// later window arrives or, through `tick`, when the wall clock passes its end.
public struct WindowAggregate: Stage {
    public let length: Int64
    public let functions: AggregateFunctions
    private var window: Int64?
    private var summary = WindowSummary()

    public init(length: Int64, functions: AggregateFunctions = .all) {
        self.length = max(1, length)
        self.functions = functions
    }

    /// Start of the window holding `time` (floor division, also before 1970).
    public func windowStart(_ time: Int64) -> Int64 {
        let q = time / length
        return (time % length < 0 ? q - 1 : q) * length
    }

    public mutating func process(_ reading: Reading, emit: (Reading) -> Void) {
        // A flagged (suspect) value would skew the aggregates: it goes on as it is, visible but apart.
        guard reading.quality == .good else {
            emit(reading)
            return
        }
        let start = windowStart(reading.time)
        if let window, window != start { close(emit: emit) }
        window = start
        summary.add(reading)
    }

    public mutating func tick(now: Int64, emit: (Reading) -> Void) {
        if let window, now >= window + length { close(emit: emit) }
    }

    private mutating func close(emit: (Reading) -> Void) {
        if let window, let template = summary.template {
            for function in AggregateFunctions.ordered where functions.contains(function.flag) {
                var aggregate = Reading(sensor: "\(template.sensor)/\(function.name)", label: template.label,
                                        value: summary.value(function.flag),
                                        unit: function.flag == .count ? "" : template.unit, time: window)
                // The window's time is on the clock its readings' times were on.
                aggregate.deviceClock = template.deviceClock
                emit(aggregate)
            }
        }
        window = nil
        summary = WindowSummary()
    }
}

/// Which aggregates a window emits.
public struct AggregateFunctions: OptionSet, Equatable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let min = AggregateFunctions(rawValue: 1)
    public static let max = AggregateFunctions(rawValue: 2)
    public static let mean = AggregateFunctions(rawValue: 4)
    public static let count = AggregateFunctions(rawValue: 8)
    public static let last = AggregateFunctions(rawValue: 16)
    public static let all: AggregateFunctions = [.min, .max, .mean, .count, .last]

    /// Emission order and the suffix each function adds to the sensor id.
    public static let ordered: [(flag: AggregateFunctions, name: String)] = [
        (.min, "min"), (.max, "max"), (.mean, "mean"), (.count, "count"), (.last, "last"),
    ]

    public static func named(_ name: String) -> AggregateFunctions? {
        ordered.first { $0.name == name }?.flag
    }
}

/// Running min/max/sum/count/last of one window: constant memory however many readings.
struct WindowSummary {
    var template: Reading?
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var sum = 0.0
    var count = 0
    var last = 0.0

    mutating func add(_ reading: Reading) {
        if template == nil { template = reading }
        minimum = Swift.min(minimum, reading.value)
        maximum = Swift.max(maximum, reading.value)
        sum += reading.value
        count += 1
        last = reading.value
    }

    func value(_ function: AggregateFunctions) -> Double {
        switch function {
        case .min: return minimum
        case .max: return maximum
        case .mean: return sum / Double(count)
        case .count: return Double(count)
        default: return last
        }
    }
}
